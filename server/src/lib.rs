//! The freebusy backend (not yet: see issue 4).
