//! Demo work orders (工单, `data::appeals`), filed and moved through
//! [`yiwang_appeals::AppealService`] by the people and staff who would do it: citizens on the
//! web (signed in or not), the 12345 operator on the phone, the grid workers the orders are
//! routed to, the dispatcher and the supervisor (each signs in with [`crate::DEMO_PASSWORD`]).
//!
//! **Time.** Like the demo cases (`cases.rs`): every step is dated in working days before the
//! day of the load and runs on a [`FixedClock`] set to that moment, shared by the appeals and
//! identity services built for the purpose, so due dates come from the real working-day
//! calendar and some orders are overdue (red) or due soon (yellow) on the day of the load.
//!
//! **Idempotence.** An order is found again by its title (unique among the scenarios) in the
//! system's queue; a step is skipped when the order's revision shows it done (every action
//! raises the revision by exactly one; filing sets it to 1). A second load writes nothing.
//!
//! **Places.** The orders lie in the demo's unit grids (by their place in code order; the
//! point is the grid's centre, moved north by the scenario's offset) and use the demo's
//! categories (by words of their name), so they follow the demo grids wherever they are.

use std::collections::HashMap;
use std::sync::Arc;

use time::OffsetDateTime;
use yiwang_appeals::{
    ActInput, Action, AppealService, AppealView, CategoryView, GridKind, GridView, LonLat,
    NewAppeal, PhotoUpload, QueueFilter,
};
use yiwang_calendar::CalendarService;
use yiwang_files::FileStore;
use yiwang_identity::Keys;
use yiwang_identity::service::{IdentityConfig, IdentityService};
use yiwang_kernel::Error;
use yiwang_kernel::auth::Ctx;
use yiwang_kernel::clock::{Clock, FixedClock};
use yiwang_kernel::paging::Page;
use yiwang_store::Db;

use crate::cases::instant;
use crate::data::accounts::PEOPLE;
use crate::data::orders::{DISPATCHER, Filing, Op, SUPERVISOR, Scenario, Who, scenarios};
use crate::{DEMO_PASSWORD, context};

fn system() -> Ctx {
    Ctx::system(crate::TASK)
}

struct Signed {
    token: String,
    ctx: Ctx,
}

struct Run {
    at: FixedClock,
    appeals: AppealService,
    identity: IdentityService,
    actors: HashMap<String, Signed>,
    /// Appeal number of each scenario found or filed.
    numbers: HashMap<&'static str, String>,
    units: Vec<GridView>,
    categories: Vec<CategoryView>,
    wrote: bool,
}

/// Files the demo orders that are missing and moves each to where its scenario ends;
/// answers whether anything was written. Needs the demo's categories and grids.
pub(crate) async fn load(
    db: &Db,
    clock: Arc<dyn Clock>,
    keys: Keys,
    store: Arc<dyn FileStore>,
) -> Result<bool, Error> {
    let now = clock.now();
    let at = FixedClock::new(now);
    let demo_clock: Arc<dyn Clock> = Arc::new(at.clone());
    let calendar = CalendarService::new(db.clone(), clock.clone());
    let identity = IdentityService::new(
        db.clone(),
        demo_clock.clone(),
        IdentityConfig::default(),
        keys.clone(),
    );
    let appeals = AppealService::new(
        db.clone(),
        demo_clock,
        keys,
        identity.clone(),
        calendar.clone(),
        store,
    );
    let categories: Vec<CategoryView> = appeals.categories(true).await?;
    let mut units: Vec<GridView> = appeals
        .grids()
        .await?
        .into_iter()
        .filter(|g| g.kind == GridKind::Unit && !g.workers.is_empty())
        .collect();
    units.sort_by(|a, b| a.code.cmp(&b.code));
    if categories.is_empty() || units.is_empty() {
        return Err(Error::internal(
            "demo: the appeal categories and unit grids with workers must be loaded first",
        ));
    }
    let cal = calendar.current().await?;
    let all = scenarios();
    let mut plan: Vec<(OffsetDateTime, usize, usize)> = Vec::new();
    for (si, s) in all.iter().enumerate() {
        for (i, (w, _)) in s.steps.iter().enumerate() {
            plan.push((instant(&cal, now, *w), si, i));
        }
    }
    plan.sort();
    let mut run = Run {
        at,
        appeals,
        identity,
        actors: HashMap::new(),
        numbers: HashMap::new(),
        units,
        categories,
        wrote: false,
    };
    for (t, si, i) in plan {
        let s = &all[si];
        run.at.set(t);
        run.step(s, i)
            .await
            .map_err(context(format!("demo appeal {} step {}", s.key, i + 1)))?;
    }
    run.at.set(now);
    for (_, a) in run.actors.drain() {
        run.identity.sign_out(&a.token, "").await?;
    }
    Ok(run.wrote)
}

/// A small PNG (RGB, stored deflate blocks): a stand-in for a photo of the site, different
/// per `seed`.
pub(crate) fn photo_png(seed: u32) -> Vec<u8> {
    const W: u32 = 64;
    const H: u32 = 48;
    let mut raw = Vec::with_capacity(((W * 3 + 1) * H) as usize);
    for y in 0..H {
        raw.push(0);
        for x in 0..W {
            let sky = y < H / 2;
            let v = ((x * 7 + y * 3 + seed * 29) % 40) as u8;
            let (r, g, b) = if sky {
                (120 + v, 170 + v, 220)
            } else {
                (110 + v, 100 + v / 2, 80 + (seed % 5) as u8 * 10)
            };
            raw.extend_from_slice(&[r, g, b]);
        }
    }
    let mut z = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(65_535).collect();
    for (i, b) in blocks.iter().enumerate() {
        z.push(u8::from(i + 1 == blocks.len()));
        let len = b.len() as u16;
        z.extend_from_slice(&len.to_le_bytes());
        z.extend_from_slice(&(!len).to_le_bytes());
        z.extend_from_slice(b);
    }
    let (mut a, mut bsum) = (1u32, 0u32);
    for &byte in &raw {
        a = (a + u32::from(byte)) % 65_521;
        bsum = (bsum + a) % 65_521;
    }
    z.extend_from_slice(&((bsum << 16) | a).to_be_bytes());
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&W.to_be_bytes());
    ihdr.extend_from_slice(&H.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    for (kind, data) in [(b"IHDR", ihdr), (b"IDAT", z), (b"IEND", Vec::new())] {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut chunk = kind.to_vec();
        chunk.extend_from_slice(&data);
        out.extend_from_slice(&chunk);
        out.extend_from_slice(&crc32(&chunk).to_be_bytes());
    }
    out
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut c = 0xffff_ffffu32;
    for &b in bytes {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 == 1 {
                0xedb8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
        }
    }
    !c
}

/// The centre of a GeoJSON Polygon or MultiPolygon (the mean of its outer ring's vertices).
fn centre(geometry: &serde_json::Value) -> Option<(f64, f64)> {
    let coords = geometry.get("coordinates")?;
    let ring = match geometry.get("type")?.as_str()? {
        "Polygon" => coords.get(0)?,
        "MultiPolygon" => coords.get(0)?.get(0)?,
        _ => return None,
    };
    let pts: Vec<(f64, f64)> = ring
        .as_array()?
        .iter()
        .filter_map(|p| Some((p.get(0)?.as_f64()?, p.get(1)?.as_f64()?)))
        .collect();
    // The ring is closed: its last position repeats the first.
    let open = &pts[..pts.len().saturating_sub(1)];
    if open.is_empty() {
        return None;
    }
    let n = open.len() as f64;
    Some((
        open.iter().map(|p| p.0).sum::<f64>() / n,
        open.iter().map(|p| p.1).sum::<f64>() / n,
    ))
}

impl Run {
    async fn actor(&mut self, who: &str) -> Result<Ctx, Error> {
        if let Some(a) = self.actors.get(who) {
            return Ok(a.ctx.clone());
        }
        let (token, session) = match who.strip_prefix("person:") {
            Some(i) => {
                let p = i
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| PEOPLE.get(i))
                    .ok_or_else(|| Error::internal("demo: no such person"))?;
                self.identity
                    .sign_in_person(p.id_number, DEMO_PASSWORD, "")
                    .await?
            }
            None => self.identity.sign_in(who, DEMO_PASSWORD, "").await?,
        };
        let ctx = Ctx::new(session.actor, "");
        self.wrote = true;
        self.actors.insert(
            who.to_string(),
            Signed {
                token,
                ctx: ctx.clone(),
            },
        );
        Ok(ctx)
    }

    /// The context of `who` acting on `view` (the handler is its grid's first worker).
    async fn ctx_of(&mut self, who: Who, view: Option<&AppealView>) -> Result<Ctx, Error> {
        match who {
            Who::Anonymous => Ok(Ctx::anonymous()),
            Who::Person(i) => self.actor(&format!("person:{i}")).await,
            Who::Staff(u) => self.actor(u).await,
            Who::Handler => {
                let code = view
                    .and_then(|v| v.grid.as_ref())
                    .map(|g| g.code.clone())
                    .ok_or_else(|| Error::internal("demo: the order has no grid"))?;
                let worker = self
                    .appeals
                    .grid(&code)
                    .await?
                    .and_then(|g| g.workers.first().cloned())
                    .ok_or_else(|| Error::internal(format!("demo: grid {code} has no worker")))?;
                self.actor(&worker).await
            }
        }
    }

    fn unit(&self, place: usize) -> &GridView {
        &self.units[place % self.units.len()]
    }

    /// The first category (one may file under: no other hangs below it) named by a word of
    /// the topic, the words in order.
    fn category(&self, topic: &[&str]) -> String {
        let parents: Vec<&str> = self
            .categories
            .iter()
            .filter_map(|c| c.parent_code.as_deref())
            .collect();
        let leaves: Vec<&CategoryView> = self
            .categories
            .iter()
            .filter(|c| !parents.contains(&c.code.as_str()))
            .collect();
        topic
            .iter()
            .find_map(|w| {
                leaves
                    .iter()
                    .find(|c| c.name.contains(w) || c.keywords.contains(w))
            })
            .or(leaves.first())
            .map(|c| c.code.clone())
            .unwrap_or_default()
    }

    fn point(&self, place: usize, offset_m: f64) -> Option<LonLat> {
        let (lon, lat) = centre(&self.unit(place).geometry)?;
        LonLat::new(lon, lat + offset_m / 111_320.0)
    }

    /// The point of the unit grid at `place` — or of the next one where routing reaches a
    /// grid worker (a category some professional grid handles goes to that grid where it
    /// covers the point, and the demo's professional grids have no workers).
    async fn routed_point(
        &self,
        place: usize,
        category: &str,
        offset_m: f64,
    ) -> Result<LonLat, Error> {
        for k in 0..self.units.len() {
            let Some(p) = self.point(place + k, offset_m) else {
                continue;
            };
            if self
                .appeals
                .route(category, Some(p))
                .await?
                .assignee_id
                .is_some()
            {
                return Ok(p);
            }
        }
        Err(Error::internal(format!(
            "demo: no unit grid routes {category} to a grid worker"
        )))
    }

    async fn new_appeal(&self, f: &Filing, seed: u32) -> Result<NewAppeal, Error> {
        let (name, phone) = match f.who {
            Who::Person(i) => PEOPLE.get(i).map(|p| (p.name, p.phone)).unwrap_or(("", "")),
            _ => f.caller,
        };
        let category = self.category(f.topic);
        let point = match f.grid {
            Some(place) => Some(self.routed_point(place, &category, f.offset_m).await?),
            None => None,
        };
        Ok(NewAppeal {
            channel: f.channel,
            appeal_type: f.kind,
            category,
            title: f.title.to_string(),
            content: f.content.to_string(),
            address: f.address.to_string(),
            division: None,
            point,
            contact_name: if f.anonymous { "" } else { name }.to_string(),
            contact_phone: if f.anonymous { "" } else { phone }.to_string(),
            contact_email: String::new(),
            anonymous: f.anonymous,
            confidential: f.confidential,
            complained_unit: String::new(),
            media_url: String::new(),
            photos: if f.photo {
                vec![PhotoUpload {
                    name: "现场照片.png".to_string(),
                    bytes: photo_png(seed).into(),
                }]
            } else {
                Vec::new()
            },
        })
    }

    /// The scenario's order, if it was filed (found by its title).
    async fn find(&mut self, s: &Scenario) -> Result<Option<AppealView>, Error> {
        if let Some(no) = self.numbers.get(s.key) {
            return Ok(Some(self.appeals.get(&system(), no).await?));
        }
        let title = match s.steps.first() {
            Some((_, Op::File(f) | Op::Answer(f, _))) => f.title,
            _ => return Err(Error::internal("demo: a scenario starts by filing")),
        };
        let filter = QueueFilter {
            q: Some(title.to_string()),
            ..Default::default()
        };
        let list = self
            .appeals
            .queue(&system(), filter, Page { page: 1, size: 100 })
            .await?;
        match list.items.iter().find(|a| a.title == title) {
            Some(a) => {
                self.numbers.insert(s.key, a.appeal_no.clone());
                Ok(Some(self.appeals.get(&system(), &a.appeal_no).await?))
            }
            None => Ok(None),
        }
    }

    async fn act(&mut self, who: Who, view: &AppealView, input: ActInput) -> Result<(), Error> {
        let ctx = self.ctx_of(who, Some(view)).await?;
        self.appeals.act(&ctx, &view.appeal_no, input).await?;
        Ok(())
    }

    async fn step(&mut self, s: &Scenario, i: usize) -> Result<(), Error> {
        let existing = self.find(s).await?;
        let seed = u32::try_from(i).unwrap_or(0) * 31 + s.key.len() as u32 * 7;
        let (_, op) = &s.steps[i];
        let view = match (op, existing) {
            (Op::File(f), None) => {
                let ctx = self.ctx_of(f.who, None).await?;
                let input = self.new_appeal(f, seed).await?;
                let filed = self.appeals.submit(&ctx, input).await?;
                self.numbers.insert(s.key, filed.appeal.appeal_no);
                self.wrote = true;
                return Ok(());
            }
            (Op::Answer(f, words), None) => {
                let ctx = self.ctx_of(f.who, None).await?;
                let kb = self
                    .appeals
                    .knowledge(words, None, 1)
                    .await?
                    .into_iter()
                    .next()
                    .ok_or_else(|| Error::internal(format!("demo: no answer on {words}")))?;
                let input = self.new_appeal(f, seed).await?;
                let v = self
                    .appeals
                    .answer_directly(&ctx, input, Some(kb.id), &kb.answer)
                    .await?;
                self.numbers.insert(s.key, v.appeal_no);
                self.wrote = true;
                return Ok(());
            }
            (Op::File(_) | Op::Answer(..), Some(_)) => return Ok(()),
            (_, None) => return Err(Error::internal("demo: the order was not filed")),
            (_, Some(v)) => v,
        };
        // Step i is done when the order went through i actions after filing.
        if view.revision > i64::try_from(i).unwrap_or(i64::MAX) {
            return Ok(());
        }
        let rev = view.revision;
        let input = |a: Action| ActInput::new(a, rev);
        match op {
            Op::File(_) | Op::Answer(..) => {}
            Op::Dispatch(place) => {
                let mut a = input(Action::Dispatch);
                a.to_grid = Some(self.unit(*place).code.clone());
                self.act(Who::Staff(DISPATCHER), &view, a).await?;
            }
            Op::Sign => self.act(Who::Handler, &view, input(Action::Sign)).await?,
            Op::Handle(text, photo) => {
                let ctx = self.ctx_of(Who::Handler, Some(&view)).await?;
                let mut a = input(Action::Handle).with_text(text);
                if *photo {
                    let p = self
                        .appeals
                        .add_photo(
                            &ctx,
                            &view.appeal_no,
                            PhotoUpload {
                                name: "处置照片.png".to_string(),
                                bytes: photo_png(seed + 1000).into(),
                            },
                        )
                        .await?;
                    a.photos = vec![p.digest];
                    a.revision = self.appeals.get(&system(), &view.appeal_no).await?.revision;
                }
                self.appeals.act(&ctx, &view.appeal_no, a).await?;
            }
            Op::Reply(text) => {
                self.act(Who::Handler, &view, input(Action::Reply).with_text(text))
                    .await?
            }
            Op::Visit(who, level, solved, text) => {
                let mut a = input(Action::Visit).with_text(text);
                a.satisfaction = Some(*level);
                a.resolved = Some(*solved);
                self.act(*who, &view, a).await?;
            }
            Op::Reopen(who, text) => {
                self.act(*who, &view, input(Action::Reopen).with_text(text))
                    .await?
            }
            Op::Transfer(place, reason) => {
                let mut a = input(Action::Transfer).with_text(reason);
                a.to_grid = Some(self.unit(*place).code.clone());
                self.act(Who::Handler, &view, a).await?;
            }
            Op::Return(reason) => {
                self.act(Who::Handler, &view, input(Action::Return).with_text(reason))
                    .await?
            }
            Op::RequestExtension(days, reason) => {
                let mut a = input(Action::RequestExtension).with_text(reason);
                a.days = Some(*days);
                self.act(Who::Handler, &view, a).await?;
            }
            Op::DecideExtension(approve, text) => {
                let mut a = input(Action::DecideExtension).with_text(text);
                a.approve = Some(*approve);
                self.act(Who::Staff(DISPATCHER), &view, a).await?;
            }
            Op::Supervise(level, text) => {
                let mut a = input(Action::Supervise).with_text(text);
                a.level = Some((*level).to_string());
                self.act(Who::Staff(SUPERVISOR), &view, a).await?;
            }
            Op::Merge(other) => {
                let other_no = self
                    .numbers
                    .get(other)
                    .cloned()
                    .ok_or_else(|| Error::internal(format!("demo: {other} not filed yet")))?;
                let mut a = input(Action::Merge).with_text("同一地点同一问题，合并办理");
                a.other_no = Some(other_no);
                self.act(Who::Staff(DISPATCHER), &view, a).await?;
            }
            Op::Archive => {
                self.act(Who::Staff(DISPATCHER), &view, input(Action::Archive))
                    .await?
            }
        }
        self.wrote = true;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_photo_is_a_png() {
        let p = photo_png(3);
        assert_eq!(
            yiwang_files::detect(&p).ok(),
            Some(yiwang_files::MediaType::Png)
        );
        assert_ne!(p, photo_png(4));
        // The IEND chunk's CRC is the well-known one.
        assert!(p.ends_with(&[0xae, 0x42, 0x60, 0x82]));
    }

    #[test]
    fn a_grid_centre_is_the_mean_of_its_ring() {
        let g = serde_json::json!({"type": "Polygon", "coordinates": [[[110.0, 21.0], [110.2, 21.0], [110.2, 21.2], [110.0, 21.2], [110.0, 21.0]]]});
        let (lon, lat) = centre(&g).unwrap();
        assert!((lon - 110.1).abs() < 1e-9 && (lat - 21.1).abs() < 1e-9);
        let m = serde_json::json!({"type": "MultiPolygon", "coordinates": [[[[1.0, 1.0], [3.0, 1.0], [2.0, 4.0], [1.0, 1.0]]]]});
        assert_eq!(centre(&m), Some((2.0, 2.0)));
    }
}
