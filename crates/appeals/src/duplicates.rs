//! The rule of a likely duplicate (重复诉求): the same category, a point nearby, filed
//! recently. Offered to the citizen and the operator at intake and to the dispatcher, who
//! merges (合并: the duplicate closes and points at the other) or links (关联) them. Pure; the
//! service fetches the candidates with a bounding box and asks [`is_likely`].

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use utoipa::ToSchema;

use crate::model::LonLat;

/// How near and how recent a duplicate is.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DuplicateRule {
    /// Metres between the two points.
    pub radius_m: f64,
    /// How long before the new appeal the other was filed, in hours.
    pub window_hours: i64,
}

impl Default for DuplicateRule {
    /// 100 m and 72 hours: the same pothole or the same noisy site reported by neighbours over
    /// a weekend.
    fn default() -> Self {
        DuplicateRule {
            radius_m: 100.0,
            window_hours: 72,
        }
    }
}

/// What the rule compares of an order.
#[derive(Debug, Clone, Copy)]
pub struct Probe<'a> {
    pub category: &'a str,
    pub point: Option<LonLat>,
    pub at: OffsetDateTime,
}

impl DuplicateRule {
    /// The latitude/longitude box around `p` that holds every point within the radius (for
    /// the candidates' query): `(min_lon, min_lat, max_lon, max_lat)`.
    pub fn bbox(&self, p: LonLat) -> (f64, f64, f64, f64) {
        // One degree of latitude is ≥ 110 574 m; of longitude, that times cos(lat).
        let dlat = self.radius_m / 110_574.0;
        let cos = p.lat.to_radians().cos().max(0.01);
        let dlon = self.radius_m / (111_320.0 * cos);
        (p.lon - dlon, p.lat - dlat, p.lon + dlon, p.lat + dlat)
    }

    /// The earliest filing time that still counts as recent for an appeal filed at `at`.
    pub fn since(&self, at: OffsetDateTime) -> OffsetDateTime {
        at - Duration::hours(self.window_hours)
    }

    /// Whether `other` is a likely duplicate of `new`: same category, both with a point within
    /// the radius, `other` filed within the window before `new` (or at the same time).
    pub fn is_likely(&self, new: &Probe<'_>, other: &Probe<'_>) -> bool {
        let (Some(a), Some(b)) = (new.point, other.point) else {
            return false;
        };
        new.category == other.category
            && other.at <= new.at
            && other.at >= self.since(new.at)
            && a.distance_m(b) <= self.radius_m
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::datetime;

    fn p(lon: f64, lat: f64) -> Option<LonLat> {
        LonLat::new(lon, lat)
    }

    #[test]
    fn twenty_metres_within_the_hour_is_a_duplicate() {
        let r = DuplicateRule::default();
        let first = Probe {
            category: "CG0101",
            point: p(110.3601, 21.2712),
            at: datetime!(2026-12-07 09:00 UTC),
        };
        let second = Probe {
            category: "CG0101",
            point: p(110.3601, 21.27138), // 20 m north
            at: datetime!(2026-12-07 09:40 UTC),
        };
        assert!(r.is_likely(&second, &first));
        let other_category = Probe {
            category: "HB0201",
            ..first
        };
        assert!(!r.is_likely(&second, &other_category));
        let far = Probe {
            point: p(110.3701, 21.2712),
            ..first
        };
        assert!(!r.is_likely(&second, &far));
        let old = Probe {
            at: datetime!(2026-12-01 09:00 UTC),
            ..first
        };
        assert!(!r.is_likely(&second, &old));
        let no_point = Probe {
            point: None,
            ..first
        };
        assert!(!r.is_likely(&second, &no_point));
    }

    proptest! {
        /// Every point within the radius lies inside the query box.
        #[test]
        fn the_box_holds_the_circle(lon in 73.0f64..135.0, lat in 3.0f64..53.0,
                                    bearing in 0.0f64..360.0, frac in 0.0f64..1.0) {
            let r = DuplicateRule::default();
            let c = LonLat { lon, lat };
            let d = r.radius_m * frac;
            // A point at distance d along the bearing (flat approximation, slightly inside).
            let dy = d * bearing.to_radians().cos() / 111_320.0;
            let dx = d * bearing.to_radians().sin() / (111_320.0 * lat.to_radians().cos());
            let q = LonLat { lon: lon + dx, lat: lat + dy };
            prop_assume!(c.distance_m(q) <= r.radius_m);
            let (x0, y0, x1, y1) = r.bbox(c);
            prop_assert!(q.lon >= x0 && q.lon <= x1 && q.lat >= y0 && q.lat <= y1);
        }
    }
}
