//! A flat JSON document borrowing its strings from the attribute text, parsed by serde_json (so it
//! accepts exactly what `serde_json::Value` accepts, with the same recursion limit), plus the small
//! read-only interface [`Jv`] the normalizers use on both it and `serde_json::Value`.
//!
//! A [`Doc`] is one `Vec` of tokens in document order (containers record where they end), so
//! parsing allocates once per document instead of a `String` per key/string and a B-tree per
//! object as `Value` does. Each attribute is parsed at most once per span (see `ctx.rs`).
use std::borrow::Cow;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Number, Value};

use super::util::MAX_JSON;

enum Tok<'a> {
    Null,
    Bool(bool),
    Num(Number),
    Str(Cow<'a, str>),
    /// Object key; its value is the next node.
    Key(Cow<'a, str>),
    /// Container; the index one past its last token.
    Arr(u32),
    Obj(u32),
}

/// A parsed JSON document.
pub struct Doc<'a> {
    toks: Vec<Tok<'a>>,
}

impl<'a> Doc<'a> {
    pub fn root(&self) -> Node<'_, 'a> {
        Node { toks: &self.toks, i: 0 }
    }
}

/// Parses text that looks like a JSON object or array; `None` for anything else.
/// Same acceptance as [`super::util::parse_json`].
pub fn parse(t: &str) -> Option<Doc<'_>> {
    let t = t.trim();
    if t.len() > MAX_JSON || !(t.starts_with('{') || t.starts_with('[')) {
        return None;
    }
    let mut toks = Vec::with_capacity(t.len() / 12 + 4);
    let mut de = serde_json::Deserializer::from_str(t);
    Seed(&mut toks).deserialize(&mut de).ok()?;
    de.end().ok()?;
    Some(Doc { toks })
}

struct Seed<'v, 'a>(&'v mut Vec<Tok<'a>>);

impl<'de> DeserializeSeed<'de> for Seed<'_, 'de> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Seed<'_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any valid JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<(), E> {
        self.0.push(Tok::Bool(v));
        Ok(())
    }
    fn visit_i64<E>(self, v: i64) -> Result<(), E> {
        self.0.push(Tok::Num(v.into()));
        Ok(())
    }
    fn visit_u64<E>(self, v: u64) -> Result<(), E> {
        self.0.push(Tok::Num(v.into()));
        Ok(())
    }
    fn visit_f64<E>(self, v: f64) -> Result<(), E> {
        // As `Value`: non-finite floats become null.
        self.0.push(Number::from_f64(v).map_or(Tok::Null, Tok::Num));
        Ok(())
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<(), E> {
        self.0.push(Tok::Str(Cow::Borrowed(v)));
        Ok(())
    }
    fn visit_str<E>(self, v: &str) -> Result<(), E> {
        self.0.push(Tok::Str(Cow::Owned(v.to_string())));
        Ok(())
    }
    fn visit_string<E>(self, v: String) -> Result<(), E> {
        self.0.push(Tok::Str(Cow::Owned(v)));
        Ok(())
    }
    fn visit_none<E>(self) -> Result<(), E> {
        self.0.push(Tok::Null);
        Ok(())
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        self.0.push(Tok::Null);
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let at = self.0.len();
        self.0.push(Tok::Arr(0));
        while seq.next_element_seed(Seed(&mut *self.0))?.is_some() {}
        let end = self.0.len() as u32;
        self.0[at] = Tok::Arr(end);
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let at = self.0.len();
        self.0.push(Tok::Obj(0));
        while let Some(k) = map.next_key_seed(KeySeed)? {
            self.0.push(Tok::Key(k));
            map.next_value_seed(Seed(&mut *self.0))?;
        }
        let end = self.0.len() as u32;
        self.0[at] = Tok::Obj(end);
        Ok(())
    }
}

/// An object key, borrowed when it has no escapes.
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Cow<'de, str>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Cow<'de, str>, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Cow<'de, str>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string key")
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Borrowed(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(v))
    }
}

/// A node of a [`Doc`].
#[derive(Clone, Copy)]
pub struct Node<'t, 'a> {
    toks: &'t [Tok<'a>],
    i: usize,
}

impl<'t, 'a> Node<'t, 'a> {
    /// Index one past this node's last token.
    fn end(&self) -> usize {
        match self.toks[self.i] {
            Tok::Arr(e) | Tok::Obj(e) => e as usize,
            _ => self.i + 1,
        }
    }

    pub fn to_value(self) -> Value {
        match &self.toks[self.i] {
            Tok::Null | Tok::Key(_) => Value::Null,
            Tok::Bool(b) => Value::Bool(*b),
            Tok::Num(n) => Value::Number(n.clone()),
            Tok::Str(s) => Value::String(s.to_string()),
            Tok::Arr(_) => Value::Array(Items::of(self).map(Node::to_value).collect()),
            Tok::Obj(_) => {
                let mut m = serde_json::Map::new();
                for (k, v) in Entries::of(self) {
                    m.insert(k.to_string(), v.to_value());
                }
                Value::Object(m)
            }
        }
    }
}

/// Items of an array node.
pub struct Items<'t, 'a> {
    toks: &'t [Tok<'a>],
    i: usize,
    end: usize,
}

impl<'t, 'a> Items<'t, 'a> {
    fn of(n: Node<'t, 'a>) -> Self {
        Items { toks: n.toks, i: n.i + 1, end: n.end() }
    }
}

impl<'t, 'a> Iterator for Items<'t, 'a> {
    type Item = Node<'t, 'a>;
    fn next(&mut self) -> Option<Node<'t, 'a>> {
        if self.i >= self.end {
            return None;
        }
        let n = Node { toks: self.toks, i: self.i };
        self.i = n.end();
        Some(n)
    }
}

/// Entries of an object node, in document order.
struct Entries<'t, 'a> {
    toks: &'t [Tok<'a>],
    i: usize,
    end: usize,
}

impl<'t, 'a> Entries<'t, 'a> {
    fn of(n: Node<'t, 'a>) -> Self {
        Entries { toks: n.toks, i: n.i + 1, end: n.end() }
    }
}

impl<'t, 'a> Iterator for Entries<'t, 'a> {
    type Item = (&'t str, Node<'t, 'a>);
    fn next(&mut self) -> Option<Self::Item> {
        if self.i + 1 >= self.end {
            return None;
        }
        let Tok::Key(k) = &self.toks[self.i] else { return None };
        let v = Node { toks: self.toks, i: self.i + 1 };
        self.i = v.end();
        Some((k, v))
    }
}

/// What a JSON node is, for either representation.
pub enum Kind<'v> {
    Null,
    Bool(bool),
    Num(&'v Number),
    Str(&'v str),
    Arr,
    Obj,
}

/// Read-only access shared by `&serde_json::Value` and [`Node`] (both cheap handles).
pub trait Jv<'v>: Copy + 'v {
    type Items: Iterator<Item = Self>;

    fn kind(self) -> Kind<'v>;
    /// Member of an object (last one for duplicate keys); `None` for non-objects.
    fn get(self, key: &str) -> Option<Self>;
    /// Items of an array; `None` for non-arrays.
    fn items(self) -> Option<Self::Items>;
    /// `Value::to_string()` of this node.
    fn render(self) -> String;

    fn as_str(self) -> Option<&'v str> {
        match self.kind() {
            Kind::Str(s) => Some(s),
            _ => None,
        }
    }
    fn as_bool(self) -> Option<bool> {
        match self.kind() {
            Kind::Bool(b) => Some(b),
            _ => None,
        }
    }
    fn is_object(self) -> bool {
        matches!(self.kind(), Kind::Obj)
    }
    /// [`super::util::value_str`].
    fn str_val(self) -> Option<String> {
        let out = match self.kind() {
            Kind::Str(x) => x.trim().to_string(),
            Kind::Num(n) => n.to_string(),
            Kind::Bool(b) => b.to_string(),
            _ => return None,
        };
        (!out.is_empty()).then_some(out)
    }
    /// [`super::util::value_int`].
    fn int(self) -> Option<i64> {
        match self.kind() {
            Kind::Num(n) => super::util::number_int(n),
            Kind::Str(t) => super::util::str_int(t),
            _ => None,
        }
    }
}

impl<'v> Jv<'v> for &'v Value {
    type Items = std::slice::Iter<'v, Value>;

    fn kind(self) -> Kind<'v> {
        match self {
            Value::Null => Kind::Null,
            Value::Bool(b) => Kind::Bool(*b),
            Value::Number(n) => Kind::Num(n),
            Value::String(s) => Kind::Str(s),
            Value::Array(_) => Kind::Arr,
            Value::Object(_) => Kind::Obj,
        }
    }
    fn get(self, key: &str) -> Option<Self> {
        match self {
            Value::Object(o) => o.get(key),
            _ => None,
        }
    }
    fn items(self) -> Option<Self::Items> {
        match self {
            Value::Array(a) => Some(a.iter()),
            _ => None,
        }
    }
    fn render(self) -> String {
        self.to_string()
    }
}

impl<'t, 'a: 't> Jv<'t> for Node<'t, 'a> {
    type Items = Items<'t, 'a>;

    fn kind(self) -> Kind<'t> {
        match &self.toks[self.i] {
            Tok::Null | Tok::Key(_) => Kind::Null,
            Tok::Bool(b) => Kind::Bool(*b),
            Tok::Num(n) => Kind::Num(n),
            Tok::Str(s) => Kind::Str(s),
            Tok::Arr(_) => Kind::Arr,
            Tok::Obj(_) => Kind::Obj,
        }
    }
    fn get(self, key: &str) -> Option<Self> {
        if !matches!(self.toks[self.i], Tok::Obj(_)) {
            return None;
        }
        let mut found = None;
        for (k, v) in Entries::of(self) {
            if k == key {
                found = Some(v);
            }
        }
        found
    }
    fn items(self) -> Option<Self::Items> {
        matches!(self.toks[self.i], Tok::Arr(_)).then(|| Items::of(self))
    }
    fn render(self) -> String {
        match &self.toks[self.i] {
            Tok::Num(n) => n.to_string(),
            _ => self.to_value().to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_as_value() {
        let texts = [
            r#"{"b":1,"a":[1,2.5,-3,1e300],"a":{"x":"\u00e9\n","y":null,"z":true}}"#,
            r#"[1e400]"#,
            r#"[18446744073709551615, 18446744073709551616, -9223372036854775808, 0.1, 1e-7, "", {}, [], [{}], {"a":[]}]"#,
            r#"{"k\"ey":"v\\al","":[[]], "n": {"m": {"o": [1, {"p": "q"}]}}}"#,
            "[1,]",
            "{\"a\":1} x",
            "  [ ]  ",
            "[1] [2]",
        ];
        for t in texts {
            let v = super::super::util::parse_json(t);
            let j = parse(t);
            assert_eq!(v.is_some(), j.is_some(), "{t}");
            if let (Some(v), Some(j)) = (v, j) {
                assert_eq!(j.root().to_value(), v);
                assert_eq!(j.root().render(), v.to_string());
            }
        }
        assert!(parse(&"[".repeat(10_000)).is_none());
        for depth in [120, 127, 128, 129, 130] {
            let nested = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
            assert_eq!(parse(&nested).is_some(), super::super::util::parse_json(&nested).is_some(), "{depth}");
        }
        let d = parse(r#"{"a":1,"b":{"c":[1,2,{"d":3}]},"a":2}"#).unwrap();
        let r = d.root();
        assert_eq!(r.get("a").and_then(Jv::int), Some(2));
        let c = r.get("b").and_then(|b| b.get("c")).unwrap();
        assert_eq!(c.items().unwrap().count(), 3);
        assert_eq!(c.items().unwrap().last().and_then(|x| x.get("d")).and_then(Jv::int), Some(3));
        assert!(r.get("zz").is_none());
        assert!(c.get("a").is_none());
    }
}
