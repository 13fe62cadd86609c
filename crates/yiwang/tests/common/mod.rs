//! What the tests that run the real `yiwang` binary share: a free loopback address, waiting for
//! a started server to listen, and the elements of the food-business licence item they publish.
//! Each test target uses part of it.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Child;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// A loopback address (`127.0.0.1:port`) with a port that was free a moment ago.
pub fn free_listen() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    format!("127.0.0.1:{port}")
}

/// Waits up to `seconds` for the server `child` started to accept connections on `listen`;
/// kills it and panics if it exits or does not listen in time.
pub async fn listening(mut child: Child, listen: &str, seconds: u64) -> Child {
    let until = Instant::now() + Duration::from_secs(seconds);
    while Instant::now() < until {
        if tokio::net::TcpStream::connect(listen).await.is_ok() {
            return child;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("yiwang serve exited: {status}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("yiwang serve did not start within {seconds} s");
}

/// The elements of 食品经营许可证核发 (food business licence) beyond the claimed draft's: the
/// guide's fields, three process steps, the limits, one material.
pub fn food_licence_elements() -> Value {
    json!({
        "exercise_level": "3", "subject_nature": "1", "power_source": "1",
        "acceptance_conditions": "申请人已取得营业执照等合法主体资格证明。",
        "process": "申请—受理—审查—决定—送达",
        "process_steps": [
            {"name": "受理", "limit": 1, "description": "窗口或网上受理"},
            {"name": "审查", "limit": 4, "description": "材料审查，必要时现场核查"},
            {"name": "决定", "limit": 1, "description": "作出准予或不予许可决定"}
        ],
        "statutory_limit": 20, "statutory_unit": "1", "promised_limit": 6, "promised_unit": "1",
        "case_type": "2", "result_type": "1", "result_name": "食品经营许可证",
        "result_sample": "https://www.zhanjiang.gov.cn/zwfw/samples/spjyxkz.pdf",
        "service_objects": ["2"], "enterprise_themes": ["E02"], "keywords": "餐饮, 开餐馆, 食品",
        "handling_forms": ["1", "2"], "online_depth": ["1", "2", "3", "4", "5", "6"],
        "online_url": "https://www.gdzwfw.gov.cn/", "visits": 0,
        "location": "湛江市政务服务中心二楼A区综合受理窗口",
        "hours": "工作日 上午8:30-12:00，下午14:30-17:30",
        "consult_phone": "0759-3388123", "supervise_phone": "0759-12345",
        "faqs": [{"question": "是否需要现场核查？", "answer": "经营场所变化时需要。"}],
        "materials": [{"name": "食品经营许可申请书", "source": "1", "originals": 1, "copies": 0,
                       "required": true, "format": "3"}]
    })
}
