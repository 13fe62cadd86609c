-- Twin of the other backend's 0037_kpi_fact_passes.sql.
-- The facts of a period are read in one grouped pass per family (crates/store/src/facts.rs):
-- the days are a bound table joined first, each day's members read by a range on the instant
-- that dates them. First ratings (评价, not 追评) not excluded on appeal are read by
-- (assess_number, excluded, rated_at): with ix_ratings_rated alone SQLite preferred an
-- automatic index on the two equalities and read every rating once per day.
CREATE INDEX ix_ratings_first_rated ON ratings(assess_number, excluded, rated_at);
