//! The one error type of Yiwang and its catalog of stable error codes.
//!
//! Every error a user can see carries a stable [`ErrorCode`] (its string never changes once
//! released, clients key on it), an HTTP status, a message in Chinese and English, and, for bad
//! input, a list of [`FieldError`]s naming the field and the rule it broke. Internal causes are
//! kept in `internal` for the log and never sent to the caller.

use serde::Serialize;
use std::fmt;

use crate::i18n::{Lang, Text};

macro_rules! error_codes {
    ($( $(#[$doc:meta])* $variant:ident => ($code:literal, $status:literal, $zh:literal, $en:literal), )*) => {
        /// Stable error codes. The string form ([`ErrorCode::as_str`]) is the contract.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $( $(#[$doc])* $variant, )*
        }

        impl ErrorCode {
            /// Every code, for the catalog test and the documentation.
            pub const ALL: &'static [ErrorCode] = &[ $( ErrorCode::$variant, )* ];

            pub fn as_str(self) -> &'static str {
                match self { $( ErrorCode::$variant => $code, )* }
            }

            /// The HTTP status this code answers with.
            pub fn status(self) -> u16 {
                match self { $( ErrorCode::$variant => $status, )* }
            }

            pub fn zh(self) -> &'static str {
                match self { $( ErrorCode::$variant => $zh, )* }
            }

            pub fn en(self) -> &'static str {
                match self { $( ErrorCode::$variant => $en, )* }
            }
        }
    };
}

error_codes! {
    /// The request could not be read (malformed JSON, wrong content type, bad query string).
    BadRequest => ("bad_request", 400, "请求格式不正确", "The request is malformed"),
    /// One or more fields broke a rule; see `fields`.
    Validation => ("validation_failed", 422, "提交的内容有误，请按提示修改", "Some fields are invalid; see the field errors"),
    /// A file import was rejected as a whole; see `rows`.
    ImportRejected => ("import_rejected", 422, "文件未导入：存在错误行，请修改后重新导入", "The file was not imported: some rows are invalid; fix them and import again"),
    /// An uploaded file broke a reading limit or lies about its structure (declared sizes,
    /// zip bombs, giant ranges, an unclosed quote); `rows[0].rule` names the rule.
    FileRefused => ("import.file_refused", 422, "文件超出导入限制或结构异常，未导入", "The file breaks an import limit or is malformed; nothing was imported"),
    /// Sign-in is required.
    Unauthenticated => ("unauthenticated", 401, "请先登录", "Please sign in first"),
    /// Wrong account name or password (deliberately does not say which).
    BadCredentials => ("bad_credentials", 401, "账号或密码错误", "Wrong account or password"),
    /// Too many failed sign-ins for this account name; the same answer whether the account
    /// exists or not.
    AccountLocked => ("auth.locked", 429, "登录失败次数过多，账号已被临时锁定，请稍后再试", "Too many failed sign-ins; the account is locked for a while, try again later"),
    /// The API token is unknown, expired or revoked.
    TokenRejected => ("auth.token_rejected", 401, "访问令牌无效、已过期或已被吊销", "The API token is invalid, expired or revoked"),
    /// The session no longer acts for the enterprise (the agent grant ended).
    NotActingFor => ("auth.not_acting_for", 403, "您当前未获授权代表该企业办理", "You are not authorised to act for this enterprise now"),
    /// The caller is known but may not do this.
    Forbidden => ("forbidden", 403, "您无权执行此操作", "You are not allowed to do this"),
    /// The form's anti-forgery token was missing or wrong.
    CsrfRejected => ("csrf_rejected", 403, "页面已过期或来源不可信，请刷新后重试", "The page expired or the request was forged; reload and try again"),
    /// Nothing with that identifier exists (or the caller may not know it does).
    NotFound => ("not_found", 404, "未找到相关内容", "Not found"),
    /// The HTTP method is not supported on this path.
    MethodNotAllowed => ("method_not_allowed", 405, "不支持该请求方法", "Method not allowed"),
    /// The record was changed by someone else since it was read (stale revision).
    Conflict => ("conflict", 409, "内容已被他人修改，请刷新后重试", "Someone else changed this record; reload and try again"),
    /// A record with the same unique key already exists.
    Duplicate => ("duplicate", 409, "已存在相同的记录", "A record with the same key already exists"),
    /// The action is not allowed in the record's current state.
    InvalidState => ("invalid_state", 409, "当前状态下不能执行此操作", "This action is not allowed in the current state"),
    /// A published version of a service item never changes; edit makes a new version.
    PublishedImmutable => ("catalog.published_immutable", 409, "已发布的事项版本不可修改，请创建新版本", "A published item version cannot be changed; create a new version"),
    /// An element inherited from the basic directory (三级四同) cannot be changed locally.
    InheritedElement => ("catalog.inherited_element", 422, "该要素继承自基本目录，不能在本地修改", "This element is inherited from the basic directory and cannot be changed locally"),
    /// The item broke data-quality rules on submission.
    QualityRules => ("catalog.quality_failed", 422, "事项要素未通过质量检查", "The item failed the data-quality rules"),
    /// The same person may not both submit and approve an item (four-eyes rule).
    SelfReview => ("catalog.self_review", 403, "不能审核本人提交的事项", "You cannot review an item you submitted yourself"),
    /// The uploaded body is too large.
    PayloadTooLarge => ("payload_too_large", 413, "上传内容过大", "The upload is too large"),
    /// The uploaded file is not of a supported type.
    UnsupportedMedia => ("unsupported_media", 415, "不支持的文件类型", "Unsupported file type"),
    /// Too many requests.
    RateLimited => ("rate_limited", 429, "请求过于频繁，请稍后再试", "Too many requests; try again later"),
    /// A bug or an unexpected failure; details are in the server log only.
    Internal => ("internal", 500, "系统内部错误，请稍后再试", "Internal error; please try again later"),
    /// A dependency (the database) is unavailable.
    Unavailable => ("unavailable", 503, "服务暂不可用，请稍后再试", "The service is temporarily unavailable"),
    // Single sign-on (OpenID Connect). The part after `oidc.` is the protocol's own error code
    // (RFC 6749 §4.1.2.1 and §5.2, OpenID Connect Core §3.1.2.6, RFC 6750 §3.1).
    /// A required parameter is missing or invalid (PKCE `S256` is required).
    OidcInvalidRequest => ("oidc.invalid_request", 400, "单点登录请求缺少参数或参数无效", "The sign-on request lacks a parameter or has an invalid one"),
    /// The department system could not be authenticated (unknown, deactivated, wrong secret).
    OidcInvalidClient => ("oidc.invalid_client", 401, "接入系统身份验证失败", "Client authentication failed"),
    /// The authorization code is unknown, expired, already used, or its PKCE verifier or
    /// redirect address does not match.
    OidcInvalidGrant => ("oidc.invalid_grant", 400, "授权码无效、已过期或已被使用", "The authorization code is invalid, expired or already used"),
    /// Only `authorization_code` is supported.
    OidcUnsupportedGrantType => ("oidc.unsupported_grant_type", 400, "不支持的授权类型", "Unsupported grant type"),
    /// Only `response_type=code` is supported.
    OidcUnsupportedResponseType => ("oidc.unsupported_response_type", 400, "不支持的响应类型（仅支持授权码）", "Unsupported response type (only `code`)"),
    /// The scope lacks `openid` or asks for more than the system was registered for.
    OidcInvalidScope => ("oidc.invalid_scope", 400, "申请的授权范围无效", "The requested scope is invalid"),
    /// `prompt=none` was asked but nobody is signed in.
    OidcLoginRequired => ("oidc.login_required", 401, "需要先登录", "Sign-in is required"),
    /// The bearer access token is unknown, expired or revoked.
    OidcInvalidToken => ("oidc.invalid_token", 401, "访问令牌无效或已过期", "The access token is invalid or expired"),
    /// The client is unknown or the redirect address is not registered: the error is shown to
    /// the person, never sent to an unverified address.
    OidcInvalidRedirect => ("oidc.invalid_redirect_uri", 400, "接入系统未注册、已停用或回调地址不匹配，无法返回原系统", "Unknown or deactivated client, or an unregistered redirect address; cannot return to the department system"),
    /// A working-day question touches a year whose holiday arrangement is not loaded (the
    /// detail names the year); a system administrator must import it.
    CalendarYearMissing => ("calendar.year_missing", 422, "尚未载入该年度的节假日安排，无法计算工作日", "The holiday arrangement of that year is not loaded; working days cannot be computed"),
    /// An appeal (工单) changed since it was read (its revision moved on).
    AppealStale => ("appeal.stale", 409, "工单已被他人处理，请刷新后重试", "Someone else acted on this work order; reload and try again"),
    /// An Open311 POST without a live api key (GeoReport v2: HTTP 403).
    Open311ApiKey => ("open311.api_key", 403, "Open311 接口密钥缺失、无效或已吊销", "The Open311 api_key is missing, invalid or revoked"),
}

/// One broken rule on one field. `field` is a path such as `materials[2].name`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    /// Stable rule identifier, e.g. `required`, `max_chars`, `uscc.check_digit`.
    pub rule: String,
    pub zh: String,
    pub en: String,
}

impl FieldError {
    pub fn new(
        field: impl Into<String>,
        rule: impl Into<String>,
        zh: impl Into<String>,
        en: impl Into<String>,
    ) -> Self {
        FieldError {
            field: field.into(),
            rule: rule.into(),
            zh: zh.into(),
            en: en.into(),
        }
    }

    pub fn required(field: impl Into<String>) -> Self {
        Self::new(field, "required", "此项必填", "This field is required")
    }

    pub fn max_chars(field: impl Into<String>, max: usize) -> Self {
        Self::new(
            field,
            "max_chars",
            format!("不能超过 {max} 个字符"),
            format!("Must be at most {max} characters"),
        )
    }

    pub fn range(field: impl Into<String>, min: i64, max: i64) -> Self {
        Self::new(
            field,
            "range",
            format!("应在 {min} 到 {max} 之间"),
            format!("Must be between {min} and {max}"),
        )
    }

    pub fn one_of(field: impl Into<String>, allowed: &[&str]) -> Self {
        let list = allowed.join(", ");
        Self::new(
            field,
            "one_of",
            format!("取值无效，可选值：{list}"),
            format!("Invalid value; allowed: {list}"),
        )
    }

    pub fn text(&self, lang: Lang) -> &str {
        lang.pick(&self.zh, &self.en)
    }

    /// Prefixes the field path, e.g. `name` → `materials[2].name`.
    pub fn within(mut self, prefix: &str) -> Self {
        self.field = if self.field.is_empty() {
            prefix.to_string()
        } else {
            format!("{prefix}.{}", self.field)
        };
        self
    }
}

/// One broken rule on one row of an imported file (1-based line number as the user sees it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    /// The sheet or file part the row came from (`departments`, `items`, `materials` …).
    pub sheet: String,
    pub line: usize,
    pub field: String,
    pub rule: String,
    pub zh: String,
    pub en: String,
}

impl RowError {
    pub fn from_field(sheet: &str, line: usize, e: FieldError) -> Self {
        RowError {
            sheet: sheet.to_string(),
            line,
            field: e.field,
            rule: e.rule,
            zh: e.zh,
            en: e.en,
        }
    }
}

/// The error type of every fallible operation in Yiwang.
#[derive(Debug, Clone)]
pub struct Error {
    pub code: ErrorCode,
    /// An optional more specific message for the user, in both languages.
    pub detail: Option<Box<Text>>,
    pub fields: Vec<FieldError>,
    pub rows: Vec<RowError>,
    /// The cause, for the log only. Never shown to callers.
    pub internal: Option<Box<str>>,
    /// For a throttled request (429): seconds until a new attempt may succeed (the HTTP
    /// `Retry-After` header).
    pub retry_after: Option<u64>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(code: ErrorCode) -> Self {
        Error {
            code,
            detail: None,
            fields: Vec::new(),
            rows: Vec::new(),
            internal: None,
            retry_after: None,
        }
    }

    /// Too many attempts: try again in `seconds` (at least 1).
    pub fn rate_limited(seconds: u64) -> Self {
        Error {
            retry_after: Some(seconds.max(1)),
            ..Error::new(ErrorCode::RateLimited)
        }
    }

    /// Attaches the cause for the log.
    pub fn with_internal(mut self, cause: impl fmt::Display) -> Self {
        self.internal = Some(cause.to_string().into());
        self
    }

    pub fn with_detail(mut self, zh: impl Into<String>, en: impl Into<String>) -> Self {
        self.detail = Some(Box::new(Text::new(zh, en)));
        self
    }

    pub fn validation(fields: Vec<FieldError>) -> Self {
        Error {
            fields,
            ..Error::new(ErrorCode::Validation)
        }
    }

    pub fn field(e: FieldError) -> Self {
        Error::validation(vec![e])
    }

    pub fn import_rejected(rows: Vec<RowError>) -> Self {
        Error {
            rows,
            ..Error::new(ErrorCode::ImportRejected)
        }
    }

    pub fn not_found() -> Self {
        Error::new(ErrorCode::NotFound)
    }

    pub fn forbidden() -> Self {
        Error::new(ErrorCode::Forbidden)
    }

    pub fn internal(cause: impl fmt::Display) -> Self {
        Error {
            internal: Some(cause.to_string().into()),
            ..Error::new(ErrorCode::Internal)
        }
    }

    pub fn unavailable(cause: impl fmt::Display) -> Self {
        Error {
            internal: Some(cause.to_string().into()),
            ..Error::new(ErrorCode::Unavailable)
        }
    }

    pub fn status(&self) -> u16 {
        self.code.status()
    }

    /// The user-facing message in one language (the detail if any, else the code's message).
    pub fn message(&self, lang: Lang) -> String {
        match &self.detail {
            Some(t) => t.get(lang).to_string(),
            None => lang.pick(self.code.zh(), self.code.en()).to_string(),
        }
    }

    /// The JSON body sent to API callers.
    pub fn body(&self) -> ErrorBody<'_> {
        ErrorBody {
            code: self.code.as_str(),
            zh: self.message(Lang::Zh),
            en: self.message(Lang::En),
            fields: &self.fields,
            rows: &self.rows,
        }
    }
}

/// The wire shape of an error: `{"error": {"code", "zh", "en", "fields": [...], "rows": [...]}}`.
#[derive(Debug, Serialize)]
pub struct ErrorBody<'a> {
    pub code: &'static str,
    pub zh: String,
    pub en: String,
    #[serde(skip_serializing_if = "<[FieldError]>::is_empty")]
    pub fields: &'a [FieldError],
    #[serde(skip_serializing_if = "<[RowError]>::is_empty")]
    pub rows: &'a [RowError],
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message(Lang::En))?;
        for e in &self.fields {
            write!(f, "; {} ({}): {}", e.field, e.rule, e.en)?;
        }
        for r in &self.rows {
            write!(
                f,
                "; {} line {} {} ({}): {}",
                r.sheet, r.line, r.field, r.rule, r.en
            )?;
        }
        if let Some(i) = &self.internal {
            write!(f, " [{i}]")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

impl From<ErrorCode> for Error {
    fn from(code: ErrorCode) -> Self {
        Error::new(code)
    }
}

/// Collects field errors while validating, then turns into `Ok` or one `Validation` error.
#[derive(Debug, Default)]
pub struct Problems(pub Vec<FieldError>);

impl Problems {
    pub fn new() -> Self {
        Problems(Vec::new())
    }

    pub fn push(&mut self, e: FieldError) {
        self.0.push(e);
    }

    pub fn extend(&mut self, es: impl IntoIterator<Item = FieldError>) {
        self.0.extend(es);
    }

    /// Records the error of a parse step and returns its value if any.
    pub fn take<T>(&mut self, r: std::result::Result<T, FieldError>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push(e);
                None
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_result(self) -> Result<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Error::validation(self.0))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_and_fully_translated() {
        let mut seen = HashSet::new();
        for c in ErrorCode::ALL {
            assert!(seen.insert(c.as_str()), "duplicate code {}", c.as_str());
            assert!(!c.zh().is_empty() && !c.en().is_empty());
            assert!((400..600).contains(&c.status()));
            assert!(c.as_str().chars().all(|ch| ch.is_ascii_lowercase()
                || ch.is_ascii_digit()
                || ch == '_'
                || ch == '.'));
        }
    }

    /// The code strings and statuses are a contract with clients: this pins them.
    #[test]
    fn catalog_is_pinned() {
        let listed: Vec<String> = ErrorCode::ALL
            .iter()
            .map(|c| format!("{} {}", c.as_str(), c.status()))
            .collect();
        assert_eq!(
            listed,
            vec![
                "bad_request 400",
                "validation_failed 422",
                "import_rejected 422",
                "import.file_refused 422",
                "unauthenticated 401",
                "bad_credentials 401",
                "auth.locked 429",
                "auth.token_rejected 401",
                "auth.not_acting_for 403",
                "forbidden 403",
                "csrf_rejected 403",
                "not_found 404",
                "method_not_allowed 405",
                "conflict 409",
                "duplicate 409",
                "invalid_state 409",
                "catalog.published_immutable 409",
                "catalog.inherited_element 422",
                "catalog.quality_failed 422",
                "catalog.self_review 403",
                "payload_too_large 413",
                "unsupported_media 415",
                "rate_limited 429",
                "internal 500",
                "unavailable 503",
                "oidc.invalid_request 400",
                "oidc.invalid_client 401",
                "oidc.invalid_grant 400",
                "oidc.unsupported_grant_type 400",
                "oidc.unsupported_response_type 400",
                "oidc.invalid_scope 400",
                "oidc.login_required 401",
                "oidc.invalid_token 401",
                "oidc.invalid_redirect_uri 400",
                "calendar.year_missing 422",
                "appeal.stale 409",
                "open311.api_key 403",
            ]
        );
    }

    #[test]
    fn body_never_contains_internal_cause() {
        let e = Error::internal("password=hunter2 in db");
        let json = serde_json::to_string(&e.body()).unwrap_or_default();
        assert!(!json.contains("hunter2"));
        assert!(json.contains("\"code\":\"internal\""));
    }
}
