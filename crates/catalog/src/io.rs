//! Import and export of items (CSV and XLSX).
