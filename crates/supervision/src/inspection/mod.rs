//! Random inspection (双随机、一公开): pools, plans, reproducible draws, results.
