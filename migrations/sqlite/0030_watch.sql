-- Twin of the other backend's 0030_watch.sql.
-- Electronic supervision (电子监察, GB/T 39046 表11; crates/supervision/src/watch): monitoring
-- rules as data, the warnings they raise from the cases' process data, each warning's
-- supervision case (open → handling → concluded with an outcome) and its history, and the scan's
-- cursor over the process data. Only the supervision domain's watch repo reads and writes them.

-- 监察规则: kind is one of overdue | fast_approval | repeated_returns | off_hours | relative;
-- params a JSON object of the kind's settings; severity the warning colour (yellow | red).
CREATE TABLE monitor_rules (
    code TEXT PRIMARY KEY,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    kind TEXT NOT NULL,
    params TEXT NOT NULL DEFAULT '{}',
    severity TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    updated_by TEXT NOT NULL DEFAULT '',
    updated_at TEXT
);

INSERT INTO monitor_rules (code, name_zh, name_en, kind, params, severity, active) VALUES
    ('overdue', '办件超期预警', 'Case past or near its time limit', 'overdue', '{}', 'yellow', TRUE),
    ('fast_approval', '审批用时过短', 'Approved too fast after acceptance', 'fast_approval',
     '{"seconds_per_material":30,"min_seconds":60}', 'red', TRUE),
    ('repeated_returns', '多次退回或补正', 'Returned or sent back for supplements repeatedly', 'repeated_returns',
     '{"min_returns":2}', 'yellow', TRUE),
    ('off_hours', '非工作时间审批', 'Decided outside working hours', 'off_hours',
     '{"start":"08:00","end":"18:00","working_days_only":true}', 'yellow', TRUE),
    ('relative', '疑似应回避未回避', 'Approver possibly related to the applicant', 'relative', '{}', 'red', TRUE);

-- 监察预警 (表11) and its supervision case. One row per (rule, case, subject): a re-scan never
-- raises the same warning twice (subject: the colour for overdue, the event for a decision, the
-- approver for relative, '' for a case-wide rule).
CREATE TABLE watch_warnings (
    id INTEGER PRIMARY KEY,
    warning_no TEXT NOT NULL UNIQUE,         -- 监察编号: JC + YYYYMMDD (Asia/Shanghai) + 6 digits
    rule_code TEXT NOT NULL REFERENCES monitor_rules(code),
    case_no TEXT NOT NULL,                   -- 办件编号
    subject TEXT NOT NULL DEFAULT '',
    department_id BIGINT NOT NULL REFERENCES departments(id), -- 机构 / 责任部门
    division_code TEXT NOT NULL,
    item_code TEXT NOT NULL,
    item_name TEXT NOT NULL,
    case_type TEXT NOT NULL,                 -- 事项类型
    level BIGINT NOT NULL,                   -- 监察预警类型: 1 yellow, 2 red
    raised_at TEXT NOT NULL,                  -- 状态产生时间
    detected_at TEXT NOT NULL,
    description TEXT NOT NULL,               -- 监察结果描述
    status TEXT NOT NULL DEFAULT 'open',     -- open | handling | concluded
    handler_id BIGINT,
    handler_name TEXT NOT NULL DEFAULT '',
    taken_at TEXT,
    directive TEXT NOT NULL DEFAULT '',      -- 督办内容
    directive_at TEXT,                        -- 督办发出时间
    outcome TEXT,                            -- rectified | unfounded | accountable | justified
    conclusion TEXT NOT NULL DEFAULT '',
    concluded_at TEXT,
    revision BIGINT NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX ux_watch_warnings_subject ON watch_warnings(rule_code, case_no, subject);
CREATE INDEX ix_watch_warnings_status ON watch_warnings(status, raised_at);
CREATE INDEX ix_watch_warnings_department ON watch_warnings(department_id, raised_at);

-- The history of a warning's supervision case (take, note, directive, conclude).
CREATE TABLE watch_warning_notes (
    id INTEGER PRIMARY KEY,
    warning_id BIGINT NOT NULL REFERENCES watch_warnings(id),
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    actor_name TEXT NOT NULL,
    kind TEXT NOT NULL,
    text TEXT NOT NULL DEFAULT ''
);
CREATE INDEX ix_watch_warning_notes ON watch_warning_notes(warning_id, id);

-- How far the scan has read the process data (case_events ids) and the daily warning numbers.
CREATE TABLE watch_state (
    name TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
