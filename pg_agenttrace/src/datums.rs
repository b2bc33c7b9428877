//! Array parameters of the set-based writes, built in one allocation.
//!
//! pgrx turns a `Vec<String>` into a `text[]` by making a text datum of each string, copying it
//! into an array builder and copying the builder into the array: three copies and two
//! allocations per value, plus the `String` the caller cloned to get there. A batch's attribute
//! maps went further: serialized to JSON text in Rust, then parsed back by `jsonb_in`. Together
//! that was ~15 % of a backend's ingest CPU. Here a `text[]` is laid out directly from borrowed
//! strings (one copy), and a `jsonb` value is built from the map itself with PostgreSQL's own
//! `pushJsonbValue` (no JSON text on either side).
//!
//! The results are the same values `text[]` input and `jsonb_in` give: jsonb objects go through
//! the same key sorting and de-duplication (`uniqueifyJsonbObject`), numbers through `numeric_in`
//! on the same text serde_json writes.
use std::ffi::CString;
use std::ptr;

use pgrx::datum::DatumWithOid;
use pgrx::pg_sys;
use pgrx::prelude::*;
use serde_json::{Map, Value};

/// Deeper values (the decoder allows far less) are handed to `jsonb_in` as text, which checks
/// the stack itself.
const MAX_DEPTH: usize = 200;

const ARRAY_HEADER: usize = std::mem::size_of::<pg_sys::ArrayType>();

fn maxalign(n: usize) -> usize {
    let a = pg_sys::MAXIMUM_ALIGNOF as usize;
    (n + a - 1) & !(a - 1)
}

fn intalign(n: usize) -> usize {
    (n + 3) & !3
}

/// A one-dimensional array of a varlena type (`text`, `jsonb`: 4-byte alignment) whose elements'
/// payloads are `values` (`None` is NULL), in one `palloc`.
fn varlena_array(elemtype: pg_sys::Oid, values: &[Option<&[u8]>]) -> pg_sys::Datum {
    let n = values.len();
    let has_nulls = values.iter().any(Option::is_none);
    let bitmap = if has_nulls { n.div_ceil(8) } else { 0 };
    let overhead = maxalign(ARRAY_HEADER + 2 * std::mem::size_of::<i32>() + bitmap);
    let mut size = overhead;
    for v in values.iter().flatten() {
        size += intalign(pg_sys::VARHDRSZ + v.len());
    }
    // palloc0 raises a clean ERROR (not a crash) past 1 GB; the zeroes are the null bitmap's
    // unset bits and the alignment padding.
    // SAFETY: writes stay inside the `size` bytes computed above for exactly this layout (the
    // one construct_md_array produces: header, dims, lower bounds, null bitmap, then each
    // element's 4-byte varlena header and payload padded to 4 bytes).
    unsafe {
        let base = pg_sys::palloc0(size) as *mut u8;
        let arr = base as *mut pg_sys::ArrayType;
        pgrx::set_varsize_4b(arr as *mut pg_sys::varlena, size as i32);
        (*arr).ndim = 1;
        (*arr).dataoffset = if has_nulls { overhead as i32 } else { 0 };
        (*arr).elemtype = elemtype;
        let dims = base.add(ARRAY_HEADER) as *mut i32;
        *dims = n as i32;
        *dims.add(1) = 1;
        let bits = base.add(ARRAY_HEADER + 2 * std::mem::size_of::<i32>());
        let mut at = overhead;
        for (i, v) in values.iter().enumerate() {
            let Some(v) = v else { continue };
            if has_nulls {
                *bits.add(i / 8) |= 1 << (i % 8);
            }
            let elem = base.add(at);
            pgrx::set_varsize_4b(elem as *mut pg_sys::varlena, (pg_sys::VARHDRSZ + v.len()) as i32);
            ptr::copy_nonoverlapping(v.as_ptr(), elem.add(pg_sys::VARHDRSZ), v.len());
            at += intalign(pg_sys::VARHDRSZ + v.len());
        }
        pg_sys::Datum::from(base)
    }
}

/// `text[]` of borrowed strings.
pub fn text_array<'a>(values: &[Option<&str>]) -> DatumWithOid<'a> {
    if values.is_empty() {
        return Vec::<String>::new().into();
    }
    let bytes: Vec<Option<&[u8]>> = values.iter().map(|v| v.map(str::as_bytes)).collect();
    let d = varlena_array(pg_sys::TEXTOID, &bytes);
    // SAFETY: `d` is a text[] datum just built in the current memory context.
    unsafe { DatumWithOid::new(d, pg_sys::TEXTARRAYOID) }
}

/// `jsonb[]` of JSON objects (`None` is NULL).
pub fn jsonb_array<'a>(values: &[Option<&Map<String, Value>>]) -> DatumWithOid<'a> {
    if values.is_empty() {
        return Vec::<pgrx::JsonB>::new().into();
    }
    let docs: Vec<Option<*mut pg_sys::varlena>> = values.iter().map(|v| v.and_then(jsonb_object)).collect();
    // SAFETY: each pointer is a detoasted jsonb varlena just built by JsonbValueToJsonb / jsonb_in
    // (4-byte header), alive in the current memory context while the array is built.
    let payloads: Vec<Option<&[u8]>> = docs
        .iter()
        .map(|d| {
            d.map(|p| unsafe {
                let len = pgrx::varsize_any_exhdr(p);
                std::slice::from_raw_parts(pgrx::vardata_any(p) as *const u8, len)
            })
        })
        .collect();
    let d = varlena_array(pg_sys::JSONBOID, &payloads);
    // SAFETY: as in text_array.
    unsafe { DatumWithOid::new(d, pg_sys::JSONBARRAYOID) }
}

/// One object as a jsonb varlena (`None` only if PostgreSQL returned no value, which it does not).
fn jsonb_object(map: &Map<String, Value>) -> Option<*mut pg_sys::varlena> {
    let mut state: *mut pg_sys::JsonbParseState = ptr::null_mut();
    // SAFETY: the pushJsonbValue protocol (begin, keys/values or elements, end) on one parse
    // state; string values point into `map`, which outlives JsonbValueToJsonb (it copies them).
    // A build given up half-way leaves its parse state to the memory context.
    if let Some(top) = unsafe { push_object(&mut state, map, 0) } {
        // SAFETY: `top` is the finished top-level object of the parse state.
        return Some(unsafe { pg_sys::JsonbValueToJsonb(top) } as *mut pg_sys::varlena);
    }
    // Deeper than MAX_DEPTH, or a NUL (which decoding replaces, so not expected): what jsonb_in
    // says of the JSON text, as before this builder existed (it refuses `\u0000`).
    let text = CString::new(serde_json::to_string(map).unwrap_or_else(|_| "{}".into())).ok()?;
    // SAFETY: jsonb_in on a NUL-terminated string; it raises a clean ERROR on bad input.
    unsafe { pgrx::direct_function_call::<pg_sys::Datum>(pg_sys::jsonb_in, &[text.as_c_str().into_datum()]).map(|d| d.cast_mut_ptr()) }
}

unsafe fn push(
    state: &mut *mut pg_sys::JsonbParseState,
    tok: pg_sys::JsonbIteratorToken::Type,
    v: *mut pg_sys::JsonbValue,
) -> *mut pg_sys::JsonbValue {
    unsafe { pg_sys::pushJsonbValue(state, tok, v) }
}

/// Pushes an object; `None` (stop, use the text path) past MAX_DEPTH or at a NUL.
unsafe fn push_object(state: &mut *mut pg_sys::JsonbParseState, map: &Map<String, Value>, depth: usize) -> Option<*mut pg_sys::JsonbValue> {
    if depth > MAX_DEPTH {
        return None;
    }
    unsafe {
        push(state, pg_sys::JsonbIteratorToken::WJB_BEGIN_OBJECT, ptr::null_mut());
        // In jsonb's own key order (length, then bytes): PostgreSQL sorts every object's pairs at
        // its end, and its sort returns at once on presorted input (the map's order is by bytes
        // only; the full sort was ~1 % of an ingest).
        let mut pairs: Vec<(&String, &Value)> = map.iter().collect();
        pairs.sort_unstable_by(|a, b| a.0.len().cmp(&b.0.len()).then_with(|| a.0.as_bytes().cmp(b.0.as_bytes())));
        for (k, v) in pairs {
            let mut key = string(k)?;
            push(state, pg_sys::JsonbIteratorToken::WJB_KEY, &mut key);
            push_value(state, v, pg_sys::JsonbIteratorToken::WJB_VALUE, depth + 1)?;
        }
        Some(push(state, pg_sys::JsonbIteratorToken::WJB_END_OBJECT, ptr::null_mut()))
    }
}

/// Pushes `v` as a value (`WJB_VALUE`) or array element (`WJB_ELEM`); a container is pushed as
/// begin .. end, which appends it to its parent.
unsafe fn push_value(
    state: &mut *mut pg_sys::JsonbParseState,
    v: &Value,
    tok: pg_sys::JsonbIteratorToken::Type,
    depth: usize,
) -> Option<()> {
    unsafe {
        match v {
            Value::Object(m) => {
                push_object(state, m, depth)?;
            }
            Value::Array(a) => {
                if depth > MAX_DEPTH {
                    return None;
                }
                push(state, pg_sys::JsonbIteratorToken::WJB_BEGIN_ARRAY, ptr::null_mut());
                for e in a {
                    push_value(state, e, pg_sys::JsonbIteratorToken::WJB_ELEM, depth + 1)?;
                }
                push(state, pg_sys::JsonbIteratorToken::WJB_END_ARRAY, ptr::null_mut());
            }
            scalar => {
                let mut jv = scalar_value(scalar)?;
                push(state, tok, &mut jv);
            }
        }
        Some(())
    }
}

/// A string value pointing into `s`; `None` if it holds a NUL.
fn string(s: &str) -> Option<pg_sys::JsonbValue> {
    if s.as_bytes().contains(&0) {
        return None;
    }
    // SAFETY: an all-zero JsonbValue is a valid starting point (jbvNull, null pointers).
    let mut jv: pg_sys::JsonbValue = unsafe { std::mem::zeroed() };
    jv.type_ = pg_sys::jbvType::jbvString;
    jv.val.string = pg_sys::JsonbValue__bindgen_ty_1__bindgen_ty_1 { len: s.len() as i32, val: s.as_ptr() as *mut std::ffi::c_char };
    Some(jv)
}

fn scalar_value(v: &Value) -> Option<pg_sys::JsonbValue> {
    // SAFETY: as in string().
    let mut jv: pg_sys::JsonbValue = unsafe { std::mem::zeroed() };
    match v {
        Value::Null => jv.type_ = pg_sys::jbvType::jbvNull,
        Value::Bool(b) => {
            jv.type_ = pg_sys::jbvType::jbvBool;
            jv.val.boolean = *b;
        }
        Value::String(s) => return string(s),
        Value::Number(n) => {
            if let Some(num) = numeric(&n.to_string()) {
                jv.type_ = pg_sys::jbvType::jbvNumeric;
                jv.val.numeric = num;
            } else {
                jv.type_ = pg_sys::jbvType::jbvNull;
            }
        }
        // Containers never reach here (push_value handles them).
        Value::Array(_) | Value::Object(_) => jv.type_ = pg_sys::jbvType::jbvNull,
    }
    Some(jv)
}

/// `numeric_in` of the number's JSON text, as `jsonb_in` does with the same text.
fn numeric(text: &str) -> Option<pg_sys::Numeric> {
    let c = CString::new(text).ok()?;
    // SAFETY: numeric_in(cstring, typioparam, typmod) on a NUL-terminated string; a bad number
    // raises a clean ERROR (serde_json writes only valid ones).
    unsafe {
        pgrx::direct_function_call::<pg_sys::Datum>(
            pg_sys::numeric_in,
            &[c.as_c_str().into_datum(), pg_sys::InvalidOid.into_datum(), (-1i32).into_datum()],
        )
        .map(|d| d.cast_mut_ptr())
    }
}

/// The first `rows` elements of a one-dimensional array parameter, each as a parameter of the
/// array's element type (NULL for a NULL element, and past the array's end: a shorter column
/// reads as NULL, as in `unnest()`). By-reference elements point into the array, which lives as
/// long as `arg`'s memory context.
pub fn array_elements<'a>(arg: &DatumWithOid<'a>, rows: usize) -> Vec<DatumWithOid<'a>> {
    // SAFETY: `arg` is an array datum built by this crate (IntoDatum of a Vec, or the builders
    // above) with its array type's oid; get_element_type and get_typlenbyvalalign are catalog
    // look-ups; deconstruct_array reads the array (detoasted first: a no-op for these in-memory
    // arrays) and returns `n` elements and null flags in fresh palloc'd arrays, read below only
    // up to `n`.
    unsafe {
        let elem = pg_sys::get_element_type(arg.oid());
        let Some(datum) = arg.datum().filter(|_| elem != pg_sys::InvalidOid) else {
            return (0..rows).map(|_| DatumWithOid::null_oid(elem)).collect();
        };
        let arr = pg_sys::pg_detoast_datum(datum.sans_lifetime().cast_mut_ptr()) as *mut pg_sys::ArrayType;
        let (mut len, mut byval, mut align) = (0i16, false, 0 as std::ffi::c_char);
        pg_sys::get_typlenbyvalalign(elem, &mut len, &mut byval, &mut align);
        let (mut elems, mut nulls, mut n) = (ptr::null_mut(), ptr::null_mut(), 0i32);
        pg_sys::deconstruct_array(arr, elem, len as i32, byval, align, &mut elems, &mut nulls, &mut n);
        let n = n.max(0) as usize;
        (0..rows)
            .map(|i| if i < n && !*nulls.add(i) { DatumWithOid::new(*elems.add(i), elem) } else { DatumWithOid::null_oid(elem) })
            .collect()
    }
}
