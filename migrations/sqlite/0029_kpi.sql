-- Twin of the other backend's 0029_kpi.sql.
-- KPIs (考评指标, crates/supervision/src/kpi, docs/supervision.md): definitions as data (a
-- numerator and an optional denominator over the domains' measures, yiwang_kernel::facts), the
-- facts materialised per day and department (`kpi_facts`, written by the refresh from each
-- domain's `kpi_facts`), rolled up per month (`kpi_month`), and the refresh runs. Only the
-- supervision domain's kpi repo reads and writes these tables.

-- 指标定义. kind: ratio (a percentage), average (numerator per denominator), count (the
-- numerator alone). direction: up (higher is better) or down.
CREATE TABLE kpi_definitions (
    code TEXT PRIMARY KEY,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    numerator TEXT NOT NULL,              -- a measure code, e.g. cases.concluded_on_time
    denominator TEXT,                     -- a measure code, NULL for a count
    kind TEXT NOT NULL,
    direction TEXT NOT NULL,
    unit_zh TEXT NOT NULL,
    unit_en TEXT NOT NULL,
    target REAL,                         -- in the KPI's unit (percent for a ratio)
    description TEXT NOT NULL DEFAULT '',
    basis TEXT NOT NULL DEFAULT '',       -- the regulation or seed it comes from
    active BOOLEAN NOT NULL DEFAULT TRUE,
    position BIGINT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- One day's value of one measure for one department (Asia/Shanghai days). Sum measures: the
-- events of the day; Last measures: the state at the refresh on that day.
CREATE TABLE kpi_facts (
    day TEXT NOT NULL,
    measure TEXT NOT NULL,
    department_id BIGINT NOT NULL,
    division_code TEXT NOT NULL,          -- the department's division at the refresh
    value BIGINT NOT NULL,
    PRIMARY KEY (measure, department_id, day)
);
CREATE INDEX ix_kpi_facts_day ON kpi_facts(day);

-- The month's value (month = its first day): Sum measures add the days up, Last measures
-- take the last refreshed day's value.
CREATE TABLE kpi_month (
    month TEXT NOT NULL,
    measure TEXT NOT NULL,
    department_id BIGINT NOT NULL,
    division_code TEXT NOT NULL,
    value BIGINT NOT NULL,
    PRIMARY KEY (month, measure, department_id)
);
CREATE INDEX ix_kpi_month_measure ON kpi_month(measure, month);

-- Every refresh run: what it recomputed, how many rows, what started it.
CREATE TABLE kpi_refreshes (
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    from_day TEXT NOT NULL,
    to_day TEXT NOT NULL,
    rows_written BIGINT NOT NULL DEFAULT 0,
    mode TEXT NOT NULL,                   -- incremental, full
    status TEXT NOT NULL,                 -- running, done, failed
    error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX ix_kpi_refreshes_status ON kpi_refreshes(status, id);

-- The issue's KPIs (issue 16), editable by the evaluation administrator.
INSERT INTO kpi_definitions (code, name_zh, name_en, numerator, denominator, kind, direction, unit_zh, unit_en, target, description, basis, active, position, updated_by, updated_at) VALUES
    ('online_rate', '网上可办率', 'Share of items available online', 'items.online', 'items.published', 'ratio', 'up', '%', '%', 90.0, '可在网上申办的事项占已发布事项的比例', '《国务院关于加快推进全国一体化在线政务服务平台建设的指导意见》（国发〔2018〕27号）', TRUE, 10, 'system:migration', '2026-12-01T00:00:00.000000Z'),
    ('full_online_rate', '全程网办率', 'Share of items handled fully online', 'items.full_online', 'items.published', 'ratio', 'up', '%', '%', 70.0, '网上办理深度为四级（全程网办）的事项占已发布事项的比例', '《国务院关于加快推进全国一体化在线政务服务平台建设的指导意见》（国发〔2018〕27号）', TRUE, 20, 'system:migration', '2026-12-01T00:00:00.000000Z'),
    ('one_window_rate', '一窗办理率', 'Share of hall items received at the comprehensive window', 'items.one_window', 'items.in_hall', 'ratio', 'up', '%', '%', 90.0, '进驻大厅的事项中由综合窗口受理（部门未设专窗）的比例', '《国务院办公厅关于进一步优化政务服务提升行政效能推动“高效办成一件事”的指导意见》（国办发〔2024〕3号）', TRUE, 30, 'system:migration', '2026-12-01T00:00:00.000000Z'),
    ('instant_rate', '即办率', 'Share of items decided on the spot', 'items.instant', 'items.published', 'ratio', 'up', '%', '%', 30.0, '即办件占已发布事项的比例', '《国务院办公厅关于进一步优化政务服务提升行政效能推动“高效办成一件事”的指导意见》（国办发〔2024〕3号）', TRUE, 40, 'system:migration', '2026-12-01T00:00:00.000000Z'),
    ('time_reduction_rate', '时间压减率', 'Reduction of time limits', 'items.days_saved', 'items.statutory_days', 'ratio', 'up', '%', '%', 60.0, '承诺时限比法定时限压减的工作日之和占法定时限之和的比例', '《国务院办公厅关于进一步优化政务服务提升行政效能推动“高效办成一件事”的指导意见》（国办发〔2024〕3号）', TRUE, 50, 'system:migration', '2026-12-01T00:00:00.000000Z'),
    ('avg_visits', '平均跑动次数', 'Average visits in person', 'items.visits', 'items.published', 'average', 'down', '次', 'visits', 0.5, '已发布事项到办事现场次数的平均值，越低越好', '《国务院关于加快推进全国一体化在线政务服务平台建设的指导意见》（国发〔2018〕27号）', TRUE, 60, 'system:migration', '2026-12-01T00:00:00.000000Z'),
    ('at_most_once_rate', '最多跑一次率', 'Share of items needing at most one visit', 'items.at_most_one_visit', 'items.published', 'ratio', 'up', '%', '%', 95.0, '到现场次数不超过一次的事项占已发布事项的比例', '《国务院关于加快推进全国一体化在线政务服务平台建设的指导意见》（国发〔2018〕27号）', TRUE, 70, 'system:migration', '2026-12-01T00:00:00.000000Z'),
    ('licence_free_rate', '免证办率', 'Share of items needing no paper licence', 'items.licence_free', 'items.published', 'ratio', 'up', '%', '%', 50.0, '可免提交证照（用电子证照代替）的事项占已发布事项的比例', '《国务院办公厅关于加快推进电子证照扩大应用领域和全国互通互认的意见》（国办发〔2022〕3号）', TRUE, 80, 'system:migration', '2026-12-01T00:00:00.000000Z'),
    ('online_application_rate', '网上申办率', 'Share of applications filed online', 'cases.submitted_online', 'cases.submitted', 'ratio', 'up', '%', '%', 70.0, '网上（网站、移动端）提交的办件占全部办件的比例', '《国务院关于加快推进全国一体化在线政务服务平台建设的指导意见》（国发〔2018〕27号）', TRUE, 90, 'system:migration', '2026-12-01T00:00:00.000000Z'),
    ('on_time_rate', '按时办结率', 'Share of cases concluded on time', 'cases.concluded_on_time', 'cases.concluded', 'ratio', 'up', '%', '%', 99.0, '在承诺时限（无承诺时为法定时限）内办结的办件占办结办件的比例', '《国务院办公厅关于建立政务服务“好差评”制度提高政务服务水平的意见》（国办发〔2019〕51号）', TRUE, 100, 'system:migration', '2026-12-01T00:00:00.000000Z'),
    ('satisfaction_rate', '好评率', 'Share of good ratings', 'ratings.good', 'ratings.total', 'ratio', 'up', '%', '%', 99.0, '好评（四、五星）占全部首次评价的比例', '《国务院办公厅关于建立政务服务“好差评”制度提高政务服务水平的意见》（国办发〔2019〕51号）', TRUE, 110, 'system:migration', '2026-12-01T00:00:00.000000Z'),
    ('bad_rectified_rate', '差评整改率', 'Share of bad ratings rectified', 'ratings.bad_rectified', 'ratings.bad', 'ratio', 'up', '%', '%', 100.0, '差评中已整改（或已办结回访）的比例', '《国务院办公厅关于建立政务服务“好差评”制度提高政务服务水平的意见》（国办发〔2019〕51号）', TRUE, 120, 'system:migration', '2026-12-01T00:00:00.000000Z'),
    ('mounting_rate', '资源挂接率', 'Share of responsibilities with mounted resources', 'exchange.mounted', 'exchange.responsibilities', 'ratio', 'up', '%', '%', 90.0, '责任清单中已挂接且数据新鲜的资源占比', '《政务信息资源共享管理暂行办法》（国发〔2016〕51号）', TRUE, 130, 'system:migration', '2026-12-01T00:00:00.000000Z'),
    ('data_calls', '数据调用量', 'Data API calls', 'exchange.calls', NULL, 'count', 'up', '次', 'calls', NULL, '共享数据接口被调用的次数（按提供部门计）', '《政务信息资源共享管理暂行办法》（国发〔2016〕51号）', TRUE, 140, 'system:migration', '2026-12-01T00:00:00.000000Z'),
    ('request_on_time_rate', '共享申请按时答复率', 'Share of sharing requests decided on time', 'exchange.requests_on_time', 'exchange.requests_decided', 'ratio', 'up', '%', '%', 95.0, '在10个工作日内答复的共享申请占已答复申请的比例', '《政务信息资源共享管理暂行办法》（国发〔2016〕51号）', TRUE, 150, 'system:migration', '2026-12-01T00:00:00.000000Z'),
    ('appeal_completion_rate', '诉求办结率', 'Share of appeals completed', 'appeals.closed', 'appeals.received', 'ratio', 'up', '%', '%', 95.0, '已办结的诉求工单占受理工单的比例（按受理日计）', '《国务院办公厅关于进一步优化地方政务服务便民热线的指导意见》（国办发〔2020〕53号）', TRUE, 160, 'system:migration', '2026-12-01T00:00:00.000000Z'),
    ('appeal_on_time_rate', '诉求按时办结率', 'Share of appeals replied on time', 'appeals.replied_on_time', 'appeals.replied', 'ratio', 'up', '%', '%', 95.0, '在办理时限内答复的工单占已答复工单的比例', '《国务院办公厅关于进一步优化地方政务服务便民热线的指导意见》（国办发〔2020〕53号）', TRUE, 170, 'system:migration', '2026-12-01T00:00:00.000000Z'),
    ('appeal_satisfaction_rate', '诉求满意率', 'Share of satisfied appellants', 'appeals.satisfied', 'appeals.rated', 'ratio', 'up', '%', '%', 90.0, '回访满意（含基本满意）的工单占已回访评价工单的比例', '《国务院办公厅关于进一步优化地方政务服务便民热线的指导意见》（国办发〔2020〕53号）', TRUE, 180, 'system:migration', '2026-12-01T00:00:00.000000Z'),
    ('claim_progress', '认领进度', 'Catalog claim progress', 'items.claimed', 'items.to_claim', 'ratio', 'up', '%', '%', 100.0, '部门应认领的基本目录事项中已认领的比例', '《国务院关于加快推进全国一体化在线政务服务平台建设的指导意见》（国发〔2018〕27号）', TRUE, 190, 'system:migration', '2026-12-01T00:00:00.000000Z'),
    ('licence_uses', '用证次数', 'Licence uses', 'licences.uses', NULL, 'count', 'up', '次', 'uses', NULL, '电子证照用于办事（免证办）的次数', '《国务院办公厅关于加快推进电子证照扩大应用领域和全国互通互认的意见》（国办发〔2022〕3号）', TRUE, 200, 'system:migration', '2026-12-01T00:00:00.000000Z'),
    ('bundle_applications', '一件事办件量', 'Bundle applications', 'bundles.applications', NULL, 'count', 'up', '件', 'applications', NULL, '“高效办成一件事”主题申请的件数', '《国务院办公厅关于进一步优化政务服务提升行政效能推动“高效办成一件事”的指导意见》（国办发〔2024〕3号）', TRUE, 210, 'system:migration', '2026-12-01T00:00:00.000000Z');
