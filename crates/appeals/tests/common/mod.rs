//! The appeals service on a fresh database (SQLite, or PostgreSQL when
//! `YIWANG_TEST_DATABASE_URL` is set) with a small district: a street office with a unit grid
//! and two grid workers, a second unit grid without workers, the city management bureau with a
//! professional grid, a department of another county, and the staff of the 12345 office.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]

use std::sync::Arc;

use bytes::Bytes;
use time::macros::datetime;
use yiwang_appeals::fixture::{Square, add_square};
use yiwang_appeals::{
    ActInput, Action, AppealService, AppealType, CategoryInput, Channel, Filed, GridKind, LonLat,
    NewAppeal, PhotoUpload,
};
use yiwang_calendar::CalendarService;
use yiwang_files::MemoryFileStore;
use yiwang_identity::{IdentityConfig, IdentityService, Keys, PersonRegistration, StaffInput};
use yiwang_kernel::Error;
use yiwang_kernel::auth::{Actor, Ctx, Role, Staff};
use yiwang_kernel::clock::{Clock, FixedClock};
use yiwang_kernel::codes::{DivisionCode, Uscc};
use yiwang_org::{DepartmentInput, OrgService};
use yiwang_store::testing::TestDb;

/// Inside the street office's unit grid U1, outside the professional grid.
pub const IN_U1: LonLat = LonLat {
    lon: 110.352,
    lat: 21.262,
};
/// Inside both U1 and the city-management professional grid P1.
pub const IN_U1_AND_P1: LonLat = LonLat {
    lon: 110.357,
    lat: 21.267,
};
/// Inside the unit grid U2, which has no workers.
pub const IN_U2: LonLat = LonLat {
    lon: 110.365,
    lat: 21.265,
};
/// Outside every grid.
pub const OUTSIDE: LonLat = LonLat {
    lon: 111.0,
    lat: 22.0,
};

pub struct Fx {
    pub t: TestDb,
    pub clock: FixedClock,
    pub svc: AppealService,
    pub identity: IdentityService,
    pub keys: Keys,
    pub street: i64,
    pub cg: i64,
    pub other_dept: i64,
    pub worker1: Ctx,
    pub worker2: Ctx,
    pub cg_worker: Ctx,
    pub outsider: Ctx,
    pub operator: Ctx,
    pub dispatcher: Ctx,
    pub supervisor: Ctx,
    pub admin: Ctx,
    pub secadmin: Ctx,
    pub citizen: Ctx,
    pub other_citizen: Ctx,
}

pub fn uscc(body: &str) -> String {
    Uscc::from_body(&format!("{body:0<17}"))
        .unwrap()
        .to_string()
}

async fn staff(
    identity: &IdentityService,
    username: &str,
    department_id: i64,
    division: &str,
    role: Role,
) -> Ctx {
    let a = identity
        .create_staff(
            &Ctx::system("test"),
            &StaffInput {
                username: username.into(),
                name: format!("测试{username}"),
                department_id,
                roles: vec![role.as_str().to_string()],
                password: "Passw0rd-for-tests".into(),
            },
        )
        .await
        .unwrap();
    Ctx::new(
        Actor::Staff(Staff {
            user_id: a.id,
            username: a.username,
            name: a.name,
            department_id,
            division: DivisionCode::parse(division).unwrap(),
            roles: vec![role],
        }),
        "10.0.0.9",
    )
}

async fn person(identity: &IdentityService, name: &str, id_number: &str, phone: &str) -> Ctx {
    let (_, s) = identity
        .register_person(
            &PersonRegistration {
                name: name.into(),
                id_number: id_number.into(),
                phone: phone.into(),
                password: "Passw0rd-for-tests".into(),
            },
            "10.0.0.7",
        )
        .await
        .unwrap();
    Ctx::new(s.actor, "10.0.0.7")
}

pub fn user_id(c: &Ctx) -> i64 {
    c.actor.user_id().unwrap()
}

/// Friday 4 December 2026, 10:00 in Shanghai.
pub const FRIDAY_10: time::OffsetDateTime = datetime!(2026-12-04 02:00 UTC);

pub async fn fx() -> Fx {
    let t = TestDb::new().await.unwrap();
    let clock = FixedClock::new(FRIDAY_10);
    let shared: Arc<dyn Clock> = Arc::new(clock.clone());
    let keys = Keys::ephemeral().unwrap();
    let sys = Ctx::system("test");
    let org = OrgService::new(t.db.clone(), shared.clone());
    let dept = |name: &str, body: &str, div: &str| DepartmentInput {
        uscc: uscc(body),
        name: name.into(),
        division_code: div.into(),
        kind: "bureau".into(),
        phone: "0759-3100000".into(),
        ..Default::default()
    };
    let mk = |name: &'static str, body: &'static str, div: &'static str| {
        let org = org.clone();
        let input = dept(name, body, div);
        let sys = sys.clone();
        async move { org.create_department(&sys, &input).await.unwrap().id }
    };
    let street = mk("湛江市赤坎区中华街道办事处", "11440802MB2C0001", "440802").await;
    let cg = mk(
        "湛江市赤坎区城市管理和综合执法局",
        "11440802MB2C0002",
        "440802",
    )
    .await;
    let other_dept = mk("遂溪县遂城镇人民政府", "11440823MB2C0003", "440823").await;
    let hotline = mk("湛江市12345热线服务中心", "11440800MB2C0004", "440800").await;
    let identity = IdentityService::new(
        t.db.clone(),
        shared.clone(),
        IdentityConfig::default(),
        keys.clone(),
    );
    let worker1 = staff(&identity, "wg_zhong1", street, "440802", Role::GridWorker).await;
    let worker2 = staff(&identity, "wg_zhong2", street, "440802", Role::GridWorker).await;
    let cg_worker = staff(&identity, "cg_li", cg, "440802", Role::GridWorker).await;
    let outsider = staff(
        &identity,
        "wg_suixi",
        other_dept,
        "440823",
        Role::GridWorker,
    )
    .await;
    let operator = staff(
        &identity,
        "hw_wang",
        hotline,
        "440800",
        Role::HotlineOperator,
    )
    .await;
    let dispatcher = staff(
        &identity,
        "pd_chen",
        hotline,
        "440800",
        Role::AppealDispatcher,
    )
    .await;
    let supervisor = staff(
        &identity,
        "db_zhao",
        hotline,
        "440800",
        Role::CaseSupervisor,
    )
    .await;
    let admin = staff(&identity, "wg_admin", hotline, "440800", Role::AppealAdmin).await;
    let secadmin = staff(
        &identity,
        "sec_admin",
        hotline,
        "440800",
        Role::SecurityAdmin,
    )
    .await;
    let citizen = person(&identity, "张三", "440802199001011238", "13800138000").await;
    let other_citizen = person(&identity, "李四", "440802198505051239", "13900139000").await;
    let calendar = CalendarService::new(t.db.clone(), shared.clone());
    let svc = AppealService::new(
        t.db.clone(),
        shared.clone(),
        keys.clone(),
        identity.clone(),
        calendar,
        Arc::new(MemoryFileStore::new()),
    )
    .with_home_division(DivisionCode::parse("440800").unwrap());
    let fx = Fx {
        t,
        clock,
        svc,
        identity,
        keys,
        street,
        cg,
        other_dept,
        worker1,
        worker2,
        cg_worker,
        outsider,
        operator,
        dispatcher,
        supervisor,
        admin,
        secadmin,
        citizen,
        other_citizen,
    };
    fx.categories().await;
    fx.grids().await;
    fx
}

impl Fx {
    async fn categories(&self) {
        let cat =
            |code: &str, name: &str, parent: Option<&str>, dept: Option<i64>, sp: Option<&str>| {
                CategoryInput {
                    code: code.into(),
                    name: name.into(),
                    parent_code: parent.map(str::to_string),
                    department_id: dept,
                    specialty: sp.map(str::to_string),
                    description: String::new(),
                    keywords: String::new(),
                    active: true,
                }
            };
        for c in [
            cat("CG", "城市管理", None, Some(self.cg), None),
            cat(
                "CG0101",
                "占道经营",
                Some("CG"),
                Some(self.cg),
                Some("city_management"),
            ),
            cat("SQ0101", "小区环境卫生", None, Some(self.street), None),
            cat("HB0201", "施工噪音", None, Some(self.street), None),
            cat("QT0001", "其他事项", None, None, None),
        ] {
            self.svc.save_category(&self.admin, c).await.unwrap();
        }
    }

    async fn grids(&self) {
        let sq = |code: &'static str, name: &'static str, kind, sp, dept, lon, lat| Square {
            code,
            name,
            kind,
            specialty: sp,
            division: "440802001",
            department_id: Some(dept),
            lon,
            lat,
            size: 0.01,
        };
        add_square(
            &self.t.db,
            &self.svc,
            &sq(
                "U1",
                "中华街道第一网格",
                GridKind::Unit,
                None,
                self.street,
                110.35,
                21.26,
            ),
            &[user_id(&self.worker1), user_id(&self.worker2)],
        )
        .await
        .unwrap();
        add_square(
            &self.t.db,
            &self.svc,
            &sq(
                "U2",
                "中华街道第二网格",
                GridKind::Unit,
                None,
                self.street,
                110.36,
                21.26,
            ),
            &[],
        )
        .await
        .unwrap();
        add_square(
            &self.t.db,
            &self.svc,
            &sq(
                "P1",
                "赤坎城管专业网格",
                GridKind::Professional,
                Some("city_management"),
                self.cg,
                110.355,
                21.265,
            ),
            &[user_id(&self.cg_worker)],
        )
        .await
        .unwrap();
    }

    /// Files an appeal on the web as `ctx`.
    pub async fn file(
        &self,
        ctx: &Ctx,
        t: AppealType,
        category: &str,
        point: Option<LonLat>,
    ) -> Filed {
        self.svc
            .submit(ctx, appeal(t, category, point))
            .await
            .unwrap()
    }

    /// The appeals service as another process on the same database would hold it (caches of
    /// its own).
    pub fn other_process(&self) -> AppealService {
        let clock: Arc<dyn Clock> = Arc::new(self.clock.clone());
        AppealService::new(
            self.t.db.clone(),
            clock.clone(),
            self.keys.clone(),
            self.identity.clone(),
            CalendarService::new(self.t.db.clone(), clock),
            Arc::new(MemoryFileStore::new()),
        )
        .with_home_division(DivisionCode::parse("440800").unwrap())
    }

    /// Counts the rows of `sql` (a `SELECT COUNT(*) …`).
    pub async fn count(&self, sql: &str) -> i64 {
        use yiwang_store::Conn;
        let mut c = self.t.db.clone();
        let (n,): (i64,) = c.fetch_one(sql, &[]).await.unwrap();
        n
    }

    /// Takes `action` with the order's current revision.
    pub async fn act(
        &self,
        ctx: &Ctx,
        no: &str,
        input: ActInput,
    ) -> Result<yiwang_appeals::AppealView, Error> {
        let rev = self
            .svc
            .get(&Ctx::system("test"), no)
            .await
            .unwrap()
            .revision;
        self.svc
            .act(
                ctx,
                no,
                ActInput {
                    revision: rev,
                    ..input
                },
            )
            .await
    }

    pub async fn sign(&self, ctx: &Ctx, no: &str) {
        self.act(ctx, no, ActInput::new(Action::Sign, 0))
            .await
            .unwrap();
    }
}

/// A web appeal with a phone.
pub fn appeal(t: AppealType, category: &str, point: Option<LonLat>) -> NewAppeal {
    NewAppeal {
        channel: Channel::Web,
        appeal_type: t,
        category: category.into(),
        title: String::new(),
        content: "中华路12号门前有商贩长期占道摆卖，影响通行。".into(),
        address: "湛江市赤坎区中华路12号".into(),
        division: None,
        point,
        contact_name: "张三".into(),
        contact_phone: "13800138000".into(),
        contact_email: String::new(),
        anonymous: false,
        confidential: false,
        complained_unit: String::new(),
        media_url: String::new(),
        photos: Vec::new(),
    }
}

/// The smallest PNG the file screening accepts (1×1).
pub fn png() -> PhotoUpload {
    let mut b = Vec::new();
    b.extend_from_slice(b"\x89PNG\r\n\x1a\n");
    b.extend_from_slice(&13u32.to_be_bytes());
    b.extend_from_slice(b"IHDR");
    b.extend_from_slice(&1u32.to_be_bytes());
    b.extend_from_slice(&1u32.to_be_bytes());
    b.extend_from_slice(&[8, 2, 0, 0, 0]);
    b.extend_from_slice(&[0, 0, 0, 0]);
    b.extend_from_slice(&1u32.to_be_bytes());
    b.extend_from_slice(b"IDAT");
    b.push(0);
    b.extend_from_slice(&[0, 0, 0, 0]);
    b.extend_from_slice(&0u32.to_be_bytes());
    b.extend_from_slice(b"IEND");
    b.extend_from_slice(&[0, 0, 0, 0]);
    PhotoUpload {
        name: "现场.png".into(),
        bytes: Bytes::from(b),
    }
}

/// The point `metres` north of `p`.
pub fn north(p: LonLat, metres: f64) -> LonLat {
    LonLat {
        lon: p.lon,
        lat: p.lat + metres / 111_195.0,
    }
}
