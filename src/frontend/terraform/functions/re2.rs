//! Go RE2 patterns (Terraform's `regexp`) compiled with Rust's `regex`. Go's `\d \w \s \b` are
//! ASCII where Rust's are Unicode: they are written out as ASCII classes. Syntax the two read
//! differently (Rust's class set operations and nested classes, flags Go lacks, property names
//! Go may not know, repetition counts past Go's 1000) and any pattern Rust rejects make the
//! result unknown: kmslint cannot tell what Terraform makes of it.

use super::Bad;
use crate::ir::Why;

/// Unicode general categories Go's `\p{…}` knows, and a few scripts.
const PROPERTIES: &[&str] = &[
    "C", "Cc", "Cf", "Co", "Cs", "L", "Ll", "Lm", "Lo", "Lt", "Lu", "M", "Mc", "Me", "Mn", "N",
    "Nd", "Nl", "No", "P", "Pc", "Pd", "Pe", "Pf", "Pi", "Po", "Ps", "S", "Sc", "Sk", "Sm", "So",
    "Z", "Zl", "Zp", "Zs", "Latin", "Greek", "Cyrillic", "Han", "Arabic", "Hebrew",
];

fn unsure(what: &str) -> Bad {
    Bad::Unknown(Why::unsupported(format!(
        "the pattern {what}, which Go's regexp may read differently"
    )))
}

/// The pattern compiled as Go would read it.
pub(super) fn compile(p: &str) -> Result<regex::Regex, Bad> {
    let rust = translate(p)?;
    regex::Regex::new(&rust).map_err(|e| {
        Bad::Unknown(Why::unsupported(format!(
            "the pattern is not evaluated ({})",
            e.to_string().lines().last().unwrap_or("invalid")
        )))
    })
}

/// The characters from `a` to `b` (none when out of range).
fn seg(cs: &[char], a: usize, b: usize) -> &[char] {
    cs.get(a..b).unwrap_or(&[])
}

/// Go's pattern in Rust's syntax.
fn translate(p: &str) -> Result<String, Bad> {
    let cs: &[char] = &p.chars().collect::<Vec<char>>();
    let mut out = String::with_capacity(p.len());
    let mut in_class = false;
    let mut i = 0;
    while let Some(&c) = cs.get(i) {
        i += 1;
        match c {
            '\\' => {
                let Some(&e) = cs.get(i) else {
                    return Err(unsure("ends in a backslash"));
                };
                i += 1;
                let (ascii, negated) = match e {
                    'd' | 'D' => ("0-9", e == 'D'),
                    'w' | 'W' => ("0-9A-Za-z_", e == 'W'),
                    's' | 'S' => ("\\t\\n\\f\\r ", e == 'S'),
                    'b' | 'B' if !in_class => {
                        out.push_str(if e == 'b' { "(?-u:\\b)" } else { "(?-u:\\B)" });
                        continue;
                    }
                    'p' | 'P' => {
                        let name: String = if cs.get(i) == Some(&'{') {
                            let end = seg(cs, i, cs.len()).iter().position(|&c| c == '}');
                            let Some(end) = end else {
                                return Err(unsure("has an unclosed \\p{"));
                            };
                            let name = seg(cs, i + 1, i + end).iter().collect();
                            i += end + 1;
                            name
                        } else {
                            let Some(&n) = cs.get(i) else {
                                return Err(unsure("ends in \\p"));
                            };
                            i += 1;
                            n.to_string()
                        };
                        let bare = name.strip_prefix('^').unwrap_or(&name);
                        if !PROPERTIES.contains(&bare) {
                            return Err(unsure(&format!("names the Unicode class {name:?}")));
                        }
                        out.push_str(&format!("\\{e}{{{name}}}"));
                        continue;
                    }
                    // Go's `\<` and `\>` are the characters; Rust's are word assertions.
                    '<' | '>' => {
                        out.push(e);
                        continue;
                    }
                    _ => {
                        out.push('\\');
                        out.push(e);
                        continue;
                    }
                };
                match (in_class, negated) {
                    (true, false) => out.push_str(ascii),
                    _ => {
                        out.push('[');
                        if negated {
                            out.push('^');
                        }
                        out.push_str(ascii);
                        out.push(']');
                    }
                }
            }
            '[' if in_class => {
                // Go: a literal `[` or `[:name:]`; Rust: a nested class.
                if cs.get(i) != Some(&':') {
                    return Err(unsure("has `[` inside a class"));
                }
                let end = seg(cs, i, cs.len())
                    .windows(2)
                    .position(|w| w == [':', ']']);
                let Some(end) = end else {
                    return Err(unsure("has `[` inside a class"));
                };
                out.extend(seg(cs, i - 1, i + end + 2));
                i += end + 2;
            }
            '[' => {
                in_class = true;
                out.push('[');
                if cs.get(i) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
                // A `]` first is a member.
                if cs.get(i) == Some(&']') {
                    out.push_str("\\]");
                    i += 1;
                }
            }
            ']' if in_class => {
                in_class = false;
                out.push(']');
            }
            '&' | '-' | '~' if in_class && cs.get(i) == Some(&c) => {
                return Err(unsure("has `&&`, `--` or `~~` in a class"));
            }
            '(' if !in_class && cs.get(i) == Some(&'?') => {
                let rest: String = seg(cs, i + 1, cs.len()).iter().take(2).collect();
                if !(rest.starts_with("P<") || rest.starts_with('<')) {
                    let flags = seg(cs, i + 1, cs.len())
                        .iter()
                        .take_while(|c| !matches!(c, ')' | ':'));
                    if flags
                        .clone()
                        .any(|c| !matches!(c, 'i' | 'm' | 's' | 'U' | '-'))
                    {
                        return Err(unsure("sets a flag Go does not have"));
                    }
                }
                out.push('(');
            }
            '{' if !in_class => {
                let body: String = seg(cs, i, cs.len())
                    .iter()
                    .take_while(|&&c| c != '}')
                    .collect();
                let counts = body.split(',').filter(|n| !n.is_empty());
                if body.chars().all(|c| c.is_ascii_digit() || c == ',')
                    && counts
                        .clone()
                        .any(|n| n.len() > 4 || n.parse::<u32>().unwrap_or(0) > 1000)
                {
                    return Err(unsure("repeats more than 1000 times"));
                }
                out.push('{');
            }
            _ => out.push(c),
        }
    }
    Ok(out)
}
