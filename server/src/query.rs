//! Query strings, read by hand: the Cronofy-style API repeats `calendar_ids[]`, and
//! every parameter needs its own error, which a derived `Query<T>` cannot give.

/// The decoded `name=value` pairs of a query string, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryString {
    pairs: Vec<(String, String)>,
}

/// Why a parameter could not be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamProblem {
    /// Given more than once where once is the rule.
    Repeated,
}

impl QueryString {
    /// Decodes `raw` (`application/x-www-form-urlencoded`, `+` as space); invalid
    /// percent-escapes and UTF-8 are replaced rather than refused.
    pub fn parse(raw: Option<&str>) -> QueryString {
        let pairs = form_urlencoded::parse(raw.unwrap_or("").as_bytes())
            .map(|(name, value)| (name.into_owned(), value.into_owned()))
            .collect();
        QueryString { pairs }
    }

    /// The value of a parameter that may appear at most once.
    ///
    /// # Errors
    ///
    /// [`ParamProblem::Repeated`] if it appears more than once.
    pub fn single<'a>(&'a self, name: &'a str) -> Result<Option<&'a str>, ParamProblem> {
        let mut values = self.all(name);
        let first = values.next();
        if values.next().is_some() {
            return Err(ParamProblem::Repeated);
        }
        Ok(first)
    }

    /// Every value of a repeatable parameter, in order.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.pairs
            .iter()
            .filter(move |(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Pins decoding and repetition: `calendar_ids[]` collects, a repeated single fails.
    #[test]
    fn repeated_parameters_are_collected_or_refused() {
        let query = QueryString::parse(Some(
            "calendar_ids%5B%5D=a&calendar_ids[]=b&tzid=Europe%2FParis&x=1&x=2",
        ));
        assert_eq!(query.all("calendar_ids[]").collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(query.single("tzid"), Ok(Some("Europe/Paris")));
        assert_eq!(query.single("missing"), Ok(None));
        assert_eq!(query.single("x"), Err(ParamProblem::Repeated));
    }
}
