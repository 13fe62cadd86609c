//! KPIs defined as data, materialised per day and month, read with their drill-down.
