-- Leases: see sqlite.sql beside this file. Times are unix milliseconds on the database
-- server's clock (statement_timestamp()), so replicas with skewed clocks still agree.
CREATE TABLE leases (
    name       text COLLATE "C" NOT NULL,
    item       text COLLATE "C" NOT NULL,
    holder     text NOT NULL,
    generation bigint NOT NULL,
    expires_at bigint NOT NULL,
    PRIMARY KEY (name, item)
);
