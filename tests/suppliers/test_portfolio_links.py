"""Suppliers in the portfolio: a linked product puts a vendor questionnaire in the system's
plan, the standing names the supplier, and request lists carry the supplier's name."""

from __future__ import annotations

import httpx

from tests.suppliers.conftest import create_supplier, send_request


async def test_a_linked_supplier_is_in_the_plan_standing_and_named_in_lists(
    admin: httpx.AsyncClient, procurement: httpx.AsyncClient
) -> None:
    supplier = await create_supplier(procurement, admin, name="Initech <AI>")
    system_id = supplier["products"][0]["system_ids"][0]
    plan = (await admin.get(f"/v1/ai-systems/{system_id}/plan")).json()
    vendor = [e for e in plan["entries"] if e["questionnaire_key"] == "ai-supplier"]
    assert len(vendor) == 1
    assert vendor[0]["supplier_id"] == supplier["id"]
    assert vendor[0]["supplier_name"] == "Initech <AI>"
    assert vendor[0]["state"] == "missing"
    assert vendor[0]["reasons"] == ["built on Acme Assist of Initech <AI>"]

    sent = await send_request(procurement, supplier)
    assert sent.status_code == 201, sent.text
    [listed] = (await procurement.get("/v1/supplier-requests")).json()["items"]
    assert listed["supplier_name"] == "Initech <AI>"
    assert listed["product_id"] is None
    [row] = [
        i
        for i in (await admin.get("/v1/assessments")).json()["items"]
        if i["supplier_id"] == supplier["id"]
    ]
    assert row["supplier_name"] == "Initech <AI>"
    assert row["system_name"] is None

    plan = (await admin.get(f"/v1/ai-systems/{system_id}/plan")).json()
    [vendor_entry] = [e for e in plan["entries"] if e["questionnaire_key"] == "ai-supplier"]
    assert vendor_entry["state"] == "in_progress"
    standing = (await admin.get(f"/v1/ai-systems/{system_id}/standing")).json()
    assert standing["suppliers"] == [
        {
            "supplier_id": supplier["id"],
            "supplier_name": "Initech <AI>",
            "product_name": "Acme Assist",
            "tier": None,
            "assessment_id": None,
        }
    ]
    dossier = await admin.get(f"/v1/ai-systems/{system_id}/dossier")
    assert "Initech &lt;AI&gt;" in dossier.text
    assert "Initech <AI>" not in dossier.text
