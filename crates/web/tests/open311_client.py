#!/usr/bin/env python3
"""Interop check of Yiwang's Open311 GeoReport v2 endpoint with an unmodified client library.

Usage: python3 open311_client.py <base> <api_key> <jurisdiction_id>
  <base>  the server's address, e.g. http://127.0.0.1:8080 (the endpoint is <base>/open311/v2)

Everything the `georeport` package (PyPI) can do is done with it, in JSON and in XML: list the
services, read a service definition, list requests, read one request. The package cannot POST
(no Python 3 client on PyPI can), so the request is filed with plain `requests`, as the
specification says: application/x-www-form-urlencoded with the api_key.

Prints one line per step ("ok <step> …") and exits 0 when every step passed; on the first
failure prints "FAIL <step>: <why>" and exits 1. Exit 2: georeport is not installed.
"""

import sys

try:
    import requests
    import xmltodict
    from georeport import GeoReport
except ImportError as e:  # the Rust test reads exit code 2 as "client missing"
    print(f"missing module: {e}")
    sys.exit(2)


def fail(step, why):
    print(f"FAIL {step}: {why}")
    sys.exit(1)


def as_list(x):
    """xmltodict gives a dict for one element and a list for several."""
    if x is None:
        return []
    return x if isinstance(x, list) else [x]


def main():
    if len(sys.argv) != 4:
        print(__doc__)
        sys.exit(64)
    base, key, jurisdiction = sys.argv[1].rstrip("/"), sys.argv[2], sys.argv[3]
    root = f"{base}/open311/v2"
    js = GeoReport(root, jurisdiction=jurisdiction, output_format="json")
    xml = GeoReport(root, jurisdiction=jurisdiction, output_format="xml")

    # Discovery (both formats are mandatory).
    d = requests.get(f"{base}/open311/discovery.json", timeout=10)
    if d.status_code != 200 or d.json()["endpoints"][0]["specification"] != "http://wiki.open311.org/GeoReport_v2":
        fail("discovery.json", d.text[:300])
    dx = xmltodict.parse(requests.get(f"{base}/open311/discovery.xml", timeout=10).content)
    if "application/json" not in as_list(dx["discovery"]["endpoints"]["endpoint"]["formats"]["format"]):
        fail("discovery.xml", dx)
    print("ok discovery json+xml")

    services = js.get_service_list()
    if not services:
        fail("services.json", "no services")
    services_x = as_list(xml.get_service_list())
    if sorted(s["service_code"] for s in services) != sorted(s["service_code"] for s in services_x):
        fail("services.xml", "the two formats list different services")
    service = services[0]
    for field in ("service_code", "service_name", "metadata", "type", "group"):
        if field not in service:
            fail("services.json", f"no {field} in {service}")
    print(f"ok services {len(services)} first={service['service_code']} type={service['type']}")

    code = service["service_code"]
    definition = js.get_service_definition(code)
    attrs = {a["code"]: a for a in definition["attributes"]}
    if "appeal_type" not in attrs or attrs["appeal_type"]["datatype"] != "singlevaluelist":
        fail("definition.json", definition)
    values = [v["key"] for v in attrs["appeal_type"]["values"]]
    definition_x = xml.get_service_definition(code)
    xattrs = as_list(definition_x["attributes"]["attribute"])
    if sorted(a["code"] for a in xattrs) != sorted(attrs):
        fail("definition.xml", definition_x)
    print(f"ok definition {code} attributes={','.join(sorted(attrs))} appeal_type={','.join(values)}")

    # File a request: form-urlencoded with the api key (the client library cannot POST).
    form = {
        "api_key": key,
        "jurisdiction_id": jurisdiction,
        "service_code": code,
        "lat": "21.2707",
        "long": "110.3594",
        "address_string": "湛江市赤坎区中华街道 人民路 & 中山路 交界 <东北角>",
        "description": "路灯不亮，已经三天了。Street light out for three days.",
        "attribute[appeal_type]": "help",
        "first_name": "小明",
        "last_name": "李",
        "phone": "13800138000",
        "account_id": "app-user-42",
    }
    r = requests.post(f"{root}/requests.json", data=form, timeout=10)
    if r.status_code != 200:
        fail("post", f"{r.status_code} {r.text[:300]}")
    posted = r.json()[0]
    request_id = posted["service_request_id"]
    if posted.get("account_id") != "app-user-42" or not posted.get("service_notice"):
        fail("post", posted)
    print(f"ok post id={request_id}")

    one = js.get_service_request(request_id)
    if one["status"] != "open" or one["service_code"] != code:
        fail("request.json", one)
    one_x = xml.get_service_request(request_id)
    if one_x["status"] != "open" or one_x["service_request_id"] != request_id:
        fail("request.xml", one_x)
    print(f"ok request status={one['status']} notes={one['status_notes']}")

    listed = js.get_service_requests(service_code=code, status="open")
    if request_id not in [x["service_request_id"] for x in listed]:
        fail("requests.json", listed)
    listed_x = as_list(xml.get_service_requests(service_request_id=request_id))
    if [x["service_request_id"] for x in listed_x] != [request_id]:
        fail("requests.xml", listed_x)
    print(f"ok requests {len(listed)}")

    # A wrong key: 403 with the specification's error body, in both formats.
    bad = dict(form, api_key="not-a-key")
    r = requests.post(f"{root}/requests.json", data=bad, timeout=10)
    if r.status_code != 403:
        fail("wrong key json", f"{r.status_code} {r.text[:300]}")
    err = r.json()
    if not isinstance(err, list) or err[0]["code"] != 403 or "api_key" not in err[0]["description"]:
        fail("wrong key json", err)
    r = requests.post(f"{root}/requests.xml", data=bad, timeout=10)
    ex = xmltodict.parse(r.content) if r.status_code == 403 else None
    if ex is None or as_list(ex["errors"]["error"])[0]["code"] != "403":
        fail("wrong key xml", f"{r.status_code} {r.text[:300]}")
    print("ok wrong key 403")
    print("all ok")


if __name__ == "__main__":
    main()
