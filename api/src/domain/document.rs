//! What an SDM's supporting document may hold. The registration office opens these files, so a
//! PDF that can run something when opened (JavaScript, an open action, additional actions, a
//! launch action) or carries embedded files is refused, and an image must decode as the image
//! it says it is. Parsed with maintained crates (lopdf, png, zune-jpeg), never by pattern: a
//! name written `/J#61vaScript` or hidden in a compressed object stream is found all the same.

use std::io::Cursor;

use lopdf::Object;
use zune_core::options::DecoderOptions;

/// Dictionary keys that make a PDF act when opened or carry files.
const ACTIVE_KEYS: &[&[u8]] = &[
    b"JavaScript",
    b"JS",
    b"OpenAction",
    b"AA",
    b"Launch",
    b"EmbeddedFile",
    b"EmbeddedFiles",
    b"RichMedia",
    // XFA forms carry their own scripts (Adobe Reader runs them).
    b"XFA",
];

/// Action types (`/S`) that run something.
const ACTIVE_ACTIONS: &[&[u8]] = &[b"JavaScript", b"Launch", b"ImportData", b"SubmitForm"];

/// The largest decoded image accepted, in pixels a side (a small file must not decode to a
/// huge picture).
const MAX_SIDE: usize = 10_000;

/// Why a document of `content_type` is refused, if it is.
pub fn refusal(content_type: &str, bytes: &[u8]) -> Option<&'static str> {
    match content_type {
        "application/pdf" => pdf(bytes),
        "image/png" => png(bytes),
        "image/jpeg" => jpeg(bytes),
        _ => Some("not a document type we accept"),
    }
}

fn pdf(bytes: &[u8]) -> Option<&'static str> {
    let Ok(doc) = lopdf::Document::load_mem(bytes) else {
        return Some("the PDF cannot be read");
    };
    // An `/Encrypt` entry of any shape (a reference, or a dictionary written inline, which
    // `is_encrypted` does not see) means content we cannot read as the viewer will.
    if doc.is_encrypted() || doc.trailer.has(b"Encrypt") {
        return Some("an encrypted PDF cannot be checked");
    }
    if doc.trailer.iter().any(|(_, v)| active(v)) || doc.objects.values().any(active) {
        return Some("the PDF holds scripts, actions or embedded files");
    }
    None
}

/// Whether `o` (or anything inside it) makes the PDF act or carry files.
fn active(o: &Object) -> bool {
    let dict = match o {
        Object::Dictionary(d) => d,
        Object::Stream(s) => &s.dict,
        Object::Array(items) => return items.iter().any(active),
        _ => return false,
    };
    dict.iter().any(|(key, value)| {
        ACTIVE_KEYS.contains(&key.as_slice())
            || (key.as_slice() == b"S"
                && matches!(value, Object::Name(n) if ACTIVE_ACTIONS.contains(&n.as_slice())))
            || active(value)
    })
}

fn png(bytes: &[u8]) -> Option<&'static str> {
    let limits = png::Limits { bytes: 64 << 20 };
    let Ok(mut reader) = png::Decoder::new_with_limits(Cursor::new(bytes), limits).read_info()
    else {
        return Some("the PNG does not decode");
    };
    let info = reader.info();
    if info.width as usize > MAX_SIDE || info.height as usize > MAX_SIDE {
        return Some("the image is too large");
    }
    let Some(size) = reader.output_buffer_size() else {
        return Some("the image is too large");
    };
    let mut buf = vec![0; size];
    reader
        .next_frame(&mut buf)
        .err()
        .map(|_| "the PNG does not decode")
}

fn jpeg(bytes: &[u8]) -> Option<&'static str> {
    let options = DecoderOptions::default()
        .set_max_width(MAX_SIDE)
        .set_max_height(MAX_SIDE);
    zune_jpeg::JpegDecoder::new_with_options(Cursor::new(bytes), options)
        .decode()
        .err()
        .map(|_| "the JPEG does not decode")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal PDF (one empty page) with `extra` in its catalog, with a correct xref.
    fn pdf_with(extra: &str) -> Vec<u8> {
        let objects = [
            format!("<< /Type /Catalog /Pages 2 0 R {extra}>>"),
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>".to_owned(),
        ];
        let mut out = b"%PDF-1.4\n".to_vec();
        let mut offsets = Vec::new();
        for (i, o) in objects.iter().enumerate() {
            offsets.push(out.len());
            out.extend(format!("{} 0 obj\n{o}\nendobj\n", i + 1).bytes());
        }
        let xref = out.len();
        out.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).bytes());
        for o in offsets {
            out.extend(format!("{o:010} 00000 n \n").bytes());
        }
        out.extend(
            format!(
                "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
                objects.len() + 1
            )
            .bytes(),
        );
        out
    }

    #[test]
    fn an_encryption_dictionary_written_inline_is_refused_too() {
        let plain = pdf_with("/OpenAction << /S /JavaScript /JS (app.alert(1)) >> ");
        let text = String::from_utf8_lossy(&plain).replace(
            "/Root 1 0 R >>",
            "/Root 1 0 R /Encrypt << /Filter /Standard /V 1 /R 2 /O (x) /U (y) /P -4 >> >>",
        );
        assert!(refusal("application/pdf", text.as_bytes()).is_some());
        let bogus = String::from_utf8_lossy(&pdf_with(""))
            .replace("/Root 1 0 R >>", "/Root 1 0 R /Encrypt << >> >>");
        assert!(refusal("application/pdf", bogus.as_bytes()).is_some());
    }

    #[test]
    fn a_plain_pdf_passes_and_an_active_one_does_not() {
        assert_eq!(refusal("application/pdf", &pdf_with("")), None);
        for active in [
            "/OpenAction << /S /JavaScript /JS (app.alert(1)) >> ",
            "/OpenAction [3 0 R /Fit] ",
            "/Names << /EmbeddedFiles << /Names [] >> >> ",
            "/AA << /O << /S /Launch /F (calc.exe) >> >> ",
            "/Extra << /S /J#61vaScript >> ",
            "/AcroForm << /Fields [] /XFA 3 0 R >> ",
            "/AcroForm << /Fields [] /XFA [(template) 3 0 R] >> ",
        ] {
            assert!(
                refusal("application/pdf", &pdf_with(active)).is_some(),
                "{active}"
            );
        }
        assert!(refusal("application/pdf", b"%PDF-1.4 not really").is_some());
    }

    #[test]
    fn images_must_decode() {
        assert!(refusal("image/png", b"\x89PNG\r\n\x1a\n broken").is_some());
        assert!(refusal("image/jpeg", b"\xff\xd8\xff\xe0 broken").is_some());
    }
}
