//! The checks of a new order: every problem of the input named at once (text, place,
//! contact, photos), the phone's normal and blind-index forms, and the photo screen.

use yiwang_files::{MediaType, Upload, screen};
use yiwang_kernel::codes::DivisionCode;
use yiwang_kernel::error::Problems;
use yiwang_kernel::{Error, ErrorCode, FieldError, Result, text};

use crate::model::{AppealType, Channel, LonLat};
use crate::repo::settings::CategoryRow;
use crate::views::{NewAppeal, PhotoUpload};

/// At most this many photos per order.
pub(crate) const MAX_PHOTOS: usize = 9;
/// At most this size per photo.
pub(crate) const MAX_PHOTO_BYTES: u64 = 10 * 1024 * 1024;

/// A validated appeal, ready to route and store.
#[derive(Debug, Clone)]
pub(crate) struct Checked {
    pub appeal_type: AppealType,
    pub channel: Channel,
    pub category: CategoryRow,
    pub title: String,
    pub content: String,
    pub address: String,
    pub division: Option<DivisionCode>,
    pub point: Option<LonLat>,
    pub contact_name: String,
    /// Normalised (spaces removed), or empty.
    pub phone: String,
    pub email: String,
    pub anonymous: bool,
    pub confidential: bool,
    pub complained_unit: String,
    pub media_url: String,
}

/// Whether `s` holds something that looks like an HTML tag (`<a…>`, `</…>`, `<!…>`).
fn has_tag(s: &str) -> bool {
    let b = s.as_bytes();
    b.iter().enumerate().any(|(i, &c)| {
        c == b'<'
            && b.get(i + 1)
                .is_some_and(|n| n.is_ascii_alphabetic() || *n == b'/' || *n == b'!')
            && b[i + 1..].contains(&b'>')
    })
}

/// A phone as people write it: digits with an optional area-code dash, spaces dropped, a
/// leading +86 taken off.
pub(crate) fn normalize_phone(s: &str) -> String {
    let t: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    let t = t.strip_prefix("+86").unwrap_or(&t);
    t.to_string()
}

/// The blind-index form of a phone: its digits.
pub(crate) fn phone_key(s: &str) -> String {
    normalize_phone(s)
        .chars()
        .filter(|c| c.is_ascii_digit())
        .collect()
}

/// Validates `input` (every problem at once). `category` is the stored category, if any.
pub(crate) fn check(input: &NewAppeal, category: Option<CategoryRow>) -> Result<Checked> {
    let mut p = Problems::new();
    let content = p.take(text::required("content", &input.content, 4000));
    if let Some(c) = &content
        && has_tag(c)
    {
        p.push(FieldError::new(
            "content",
            "text.html",
            "内容不能包含 HTML 标签",
            "The content may not contain HTML tags",
        ));
    }
    let title = match text::clean(&input.title) {
        Some(_) => p.take(text::required("title", &input.title, 200)),
        None => content
            .as_ref()
            .map(|c| c.chars().take(30).collect::<String>().trim().to_string()),
    };
    let category = match category {
        Some(c) if c.active => Some(c),
        _ => {
            p.push(FieldError::new(
                "category",
                "appeal.category_unknown",
                format!("没有可受理的事项分类“{}”", input.category.trim()),
                format!("No open appeal category \"{}\"", input.category.trim()),
            ));
            None
        }
    };
    let address = p.take(text::optional("address", &input.address, 200));
    let point = match input.point {
        Some(pt) => match LonLat::new(pt.lon, pt.lat) {
            Some(ok) => Some(ok),
            None => {
                p.push(FieldError::new(
                    "point",
                    "geo.lonlat",
                    "位置坐标无效：经度应在 −180～180，纬度应在 −90～90",
                    "The point is invalid: longitude −180..180, latitude −90..90",
                ));
                None
            }
        },
        None => None,
    };
    if input.channel != Channel::Phone
        && point.is_none()
        && input.point.is_none()
        && address.as_deref().is_some_and(str::is_empty)
    {
        p.push(FieldError::new(
            "address",
            "appeal.place_required",
            "请在地图上选择位置或填写地址",
            "Pick a point on the map or give an address",
        ));
    }
    let division = match input.division.as_deref().map(str::trim) {
        Some(d) if !d.is_empty() => p.take(DivisionCode::parse(d).map_err(|e| FieldError {
            field: "division".into(),
            ..e
        })),
        _ => None,
    };
    let contact_name = p.take(text::optional("contact_name", &input.contact_name, 50));
    let phone = normalize_phone(&input.contact_phone);
    if phone.is_empty() {
        if !input.anonymous {
            p.push(FieldError::new(
                "contact_phone",
                "required",
                "请填写联系电话（或选择匿名反映）",
                "Give a contact phone (or file anonymously)",
            ));
        }
    } else if !text::is_phone(&phone) {
        p.push(FieldError::new(
            "contact_phone",
            "phone.format",
            "联系电话应为11位手机号码或带区号的固定电话（如 0759-1234567）",
            "The phone must be an 11-digit mobile number or a landline with its area code (e.g. 0759-1234567)",
        ));
    }
    let email = p.take(text::optional("contact_email", &input.contact_email, 100));
    if let Some(e) = &email
        && !e.is_empty()
        && (!e.contains('@') || e.contains(char::is_whitespace))
    {
        p.push(FieldError::new(
            "contact_email",
            "email.format",
            "电子邮箱格式不正确",
            "The e-mail address is malformed",
        ));
    }
    let complained_unit = p.take(text::optional(
        "complained_unit",
        &input.complained_unit,
        200,
    ));
    let media_url = p.take(text::optional("media_url", &input.media_url, 500));
    if let Some(u) = &media_url
        && !u.is_empty()
        && !(u.starts_with("https://") || u.starts_with("http://"))
    {
        p.push(FieldError::new(
            "media_url",
            "url.format",
            "图片地址应以 http:// 或 https:// 开头",
            "The media URL must start with http:// or https://",
        ));
    }
    if input.photos.len() > MAX_PHOTOS {
        p.push(FieldError::new(
            "photos",
            "appeal.photos_max",
            format!("最多上传 {MAX_PHOTOS} 张照片"),
            format!("At most {MAX_PHOTOS} photos"),
        ));
    }
    for (i, ph) in input.photos.iter().enumerate() {
        if let Err(e) = screen_photo(ph, &format!("photos[{i}]")) {
            p.extend(e.fields);
        }
    }
    p.into_result()?;
    match (title, content, category, address, contact_name, email) {
        (Some(title), Some(content), Some(category), Some(address), Some(name), Some(email)) => {
            Ok(Checked {
                appeal_type: input.appeal_type,
                channel: input.channel,
                category,
                title,
                content,
                address,
                division,
                point,
                contact_name: if input.anonymous { String::new() } else { name },
                phone: if input.anonymous {
                    String::new()
                } else {
                    phone
                },
                email: if input.anonymous {
                    String::new()
                } else {
                    email
                },
                anonymous: input.anonymous,
                confidential: input.confidential,
                complained_unit: complained_unit.unwrap_or_default(),
                media_url: media_url.unwrap_or_default(),
            })
        }
        _ => Err(Error::new(ErrorCode::Validation)),
    }
}

/// A photo: JPEG or PNG only, at most 10 MB (screened like case materials).
pub(crate) fn screen_photo(ph: &PhotoUpload, field: &str) -> Result<MediaType> {
    let limits = yiwang_files::Limits {
        max_file_bytes: MAX_PHOTO_BYTES,
        max_case_bytes: u64::MAX,
    };
    let upload = Upload {
        entry: "photo".into(),
        field: field.into(),
        file_name: ph.name.clone(),
        bytes: ph.bytes.clone(),
    };
    let media = screen(&upload, &limits, 0)?;
    if !matches!(media, MediaType::Jpeg | MediaType::Png) {
        return Err(Error::field(FieldError::new(
            field,
            "appeal.photo_type",
            format!("照片“{}”应为 JPEG 或 PNG 图片", ph.name),
            format!("The photo “{}” must be a JPEG or PNG image", ph.name),
        )));
    }
    Ok(media)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_spotted() {
        assert!(has_tag("hello <script>x</script>"));
        assert!(has_tag("<b>"));
        assert!(!has_tag("1 < 2 and 3 > 2"));
        assert!(!has_tag("a <- b"));
    }

    #[test]
    fn phones_normalise() {
        assert_eq!(normalize_phone("+86 138 0013 8000"), "13800138000");
        assert_eq!(phone_key("0759-1234567"), "07591234567");
    }
}
