//! Electronic supervision (电子监察): monitoring rules, warnings and supervision cases.
