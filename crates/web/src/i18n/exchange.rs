//! Data sharing and exchange (数据共享交换): the permissions' names. Each exchange area adds its
//! strings in a file of its own (`exchange_*.rs`), registered in `mod.rs`.

/// `(key, 简体中文, English)`.
pub(super) const MESSAGES: &[(&str, &str, &str)] = &[
    (
        "perm.exchange.provide",
        "登记本部门信息资源、归集数据、审批共享申请、查看用数记录",
        "Register one's department's resources, load their data, decide sharing requests, read their use",
    ),
    (
        "perm.exchange.consume",
        "申请共享数据并在授权范围内使用",
        "Request shared data and use it within the grant",
    ),
    (
        "perm.exchange.admin",
        "审核发布信息资源目录，维护三清单、基础库和数据回流",
        "Review and publish the resource catalog; keep the three lists, base libraries and return flow",
    ),
    (
        "perm.exchange.supervise",
        "监督共享申请办理时限和共享统计",
        "Supervise sharing-request time limits and statistics",
    ),
];
