//! Taking secrets out of a message before it leaves the engine: a token a
//! server or a library echoed back, whole occurrences only. A plain
//! substring replace turns "export failed" into "expor<redacted> failed"
//! for the token `t`; a token is only ever a whole run of token characters.

/// Characters a bearer token (a JWT, base64, base64url, an opaque string)
/// is made of; a match with one of these beside it is part of a longer word.
fn is_token_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '-' | '_' | '~' | '+' | '/' | '=')
}

/// Whether `secret` at `start..end` of `text` continues into a neighbour:
/// a token character beside it, or a dot followed (before: preceded) by
/// one, as inside `header.payload.signature`. A sentence's full stop is not.
fn joined(text: &str, start: usize, end: usize) -> bool {
    let mut before = text[..start].chars().rev();
    let mut after = text[end..].chars();
    let continues = |first: Option<char>, second: Option<char>| match first {
        Some('.') => second.is_some_and(is_token_char),
        Some(c) => is_token_char(c),
        None => false,
    };
    continues(before.next(), before.next()) || continues(after.next(), after.next())
}

/// `text` with every whole occurrence of each of `secrets` replaced by
/// `<redacted>`. Empty secrets are ignored; longer ones go first, so a
/// token that contains another is taken out whole.
pub fn redact<'a>(text: &str, secrets: impl IntoIterator<Item = &'a str>) -> String {
    let mut secrets: Vec<&str> = secrets.into_iter().filter(|s| !s.is_empty()).collect();
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    let mut text = text.to_string();
    for secret in secrets {
        let mut out = String::with_capacity(text.len());
        let mut copied = 0;
        for (start, _) in text.match_indices(secret) {
            if start < copied || joined(&text, start, start + secret.len()) {
                continue;
            }
            out.push_str(&text[copied..start]);
            out.push_str("<redacted>");
            copied = start + secret.len();
        }
        out.push_str(&text[copied..]);
        text = out;
    }
    text
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn short_tokens_are_not_taken_out_of_words() {
        let message =
            "export failed: could not reach Graph at http://127.0.0.1:1 (connection refused)";
        assert_eq!(redact(message, ["t"]), message);
        assert_eq!(
            redact("any company has many tokens", ["any"]),
            "<redacted> company has many tokens"
        );
        assert_eq!(
            redact("Bearer t was refused.", ["t"]),
            "Bearer <redacted> was refused."
        );
        assert_eq!(redact("token 'any'", ["any"]), "token '<redacted>'");
    }

    #[test]
    fn a_jwt_echoed_in_a_message_is_taken_out_whole() {
        let jwt =
            "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL2dyYXBoIn0.c2lnbmF0dXJl-_x";
        let message =
            format!("Graph said: invalid token {jwt}. Also \"Authorization: Bearer {jwt}\"");
        assert_eq!(
            redact(&message, [jwt]),
            "Graph said: invalid token <redacted>. Also \"Authorization: Bearer <redacted>\""
        );
        // Only a part of it, or it inside a longer one, is another string.
        let payload = "eyJhdWQiOiJodHRwczovL2dyYXBoIn0";
        assert_eq!(redact(&message, [payload]), message);
        assert_eq!(redact(&format!("x{jwt}"), [jwt]), format!("x{jwt}"));
        // Several secrets, overlapping: the longer goes first.
        assert_eq!(
            redact(&format!("{jwt} and t"), ["t", jwt]),
            "<redacted> and <redacted>"
        );
        assert_eq!(redact("nothing", [""]), "nothing");
    }
}
