"""Correcting and removing a supplier's contacts and products: part of the supplier's record."""

from __future__ import annotations

from typing import Any

import httpx

from tests.factories import create_system
from tests.suppliers.conftest import Inbox, create_supplier, send_request


async def profile(procurement: httpx.AsyncClient, supplier: dict[str, Any]) -> httpx.Response:
    response = await procurement.get(f"/v1/suppliers/{supplier['id']}")
    assert response.status_code == 200, response.text
    return response


async def audited(admin: httpx.AsyncClient, supplier: dict[str, Any]) -> list[str]:
    events = await admin.get(
        "/v1/audit-events", params={"entity_type": "supplier", "entity_id": supplier["id"]}
    )
    return [e["action"] for e in events.json()["items"]][::-1]  # in the order they happened


async def test_a_contact_is_corrected_and_resends_go_to_the_new_address(
    procurement: httpx.AsyncClient, admin: httpx.AsyncClient, inbox: Inbox
) -> None:
    supplier = await create_supplier(procurement, admin)
    contact = supplier["contacts"][0]
    request = (await send_request(procurement, supplier)).json()
    path = f"/v1/suppliers/{supplier['id']}/contacts/{contact['id']}"
    etag = (await profile(procurement, supplier)).headers["ETag"]

    assert (await procurement.patch(path, json={"role": "DPO"})).status_code == 428
    stale = await procurement.patch(path, json={"role": "DPO"}, headers={"If-Match": '"r0"'})
    assert stale.status_code == 412
    fixed = await procurement.patch(
        path,
        json={"email": "Dana.Fixed@Acme-AI.example", "role": "DPO"},
        headers={"If-Match": etag},
    )
    assert fixed.status_code == 200, fixed.text
    assert fixed.headers["ETag"] != etag
    assert fixed.json()["contacts"][0] | {"created_at": None} == {
        "id": contact["id"],
        "name": "Dana Supplier",
        "email": "dana.fixed@acme-ai.example",
        "role": "DPO",
        "created_at": None,
    }
    resent = await procurement.post(f"/v1/supplier-requests/{request['id']}/invitation", json={})
    assert resent.status_code == 200, resent.text
    assert inbox.messages[-1]["To"] == "dana.fixed@acme-ai.example"
    assert "supplier.contact_updated" in await audited(admin, supplier)


async def test_contact_changes_that_cannot_be_made_change_nothing(
    procurement: httpx.AsyncClient, admin: httpx.AsyncClient, inbox: Inbox
) -> None:
    supplier = await create_supplier(procurement, admin)
    dana = supplier["contacts"][0]
    added = await procurement.post(
        f"/v1/suppliers/{supplier['id']}/contacts",
        json={"name": "Sam Sales", "email": "sam@acme-ai.example"},
    )
    assert added.status_code == 201
    sam = added.json()
    await send_request(procurement, supplier)
    base = f"/v1/suppliers/{supplier['id']}/contacts"
    etag = (await profile(procurement, supplier)).headers["ETag"]

    taken = await procurement.patch(
        f"{base}/{sam['id']}", json={"email": "DANA@acme-ai.example"}, headers={"If-Match": etag}
    )
    assert taken.status_code == 409
    assert taken.json()["type"].endswith("contact-exists")
    nameless = await procurement.patch(
        f"{base}/{sam['id']}", json={"name": None}, headers={"If-Match": etag}
    )
    assert nameless.status_code == 422
    in_use = await procurement.delete(f"{base}/{dana['id']}", headers={"If-Match": etag})
    assert in_use.status_code == 409
    assert in_use.json()["type"].endswith("contact-in-use")
    unknown = await procurement.delete(
        f"{base}/{supplier['products'][0]['id']}", headers={"If-Match": etag}
    )
    assert unknown.status_code == 404
    unchanged = await profile(procurement, supplier)
    assert unchanged.headers["ETag"] == etag
    assert [c["email"] for c in unchanged.json()["contacts"]] == [dana["email"], sam["email"]]

    removed = await procurement.delete(f"{base}/{sam['id']}", headers={"If-Match": etag})
    assert removed.status_code == 200, removed.text
    assert [c["id"] for c in removed.json()["contacts"]] == [dana["id"]]
    assert "supplier.contact_removed" in await audited(admin, supplier)


async def test_a_product_is_relinked_and_removed_without_losing_its_requests(
    procurement: httpx.AsyncClient, admin: httpx.AsyncClient, inbox: Inbox
) -> None:
    supplier = await create_supplier(procurement, admin)
    product = supplier["products"][0]
    other_system = (await create_system(admin, name="Contract analyser")).json()
    request = (await send_request(procurement, supplier, product_id=product["id"])).json()
    path = f"/v1/suppliers/{supplier['id']}/products/{product['id']}"
    etag = (await profile(procurement, supplier)).headers["ETag"]

    unknown_system = await procurement.patch(
        path,
        json={"system_ids": ["00000000-0000-4000-8000-000000000000"]},
        headers={"If-Match": etag},
    )
    assert unknown_system.status_code == 422
    relinked = await procurement.patch(
        path,
        json={"name": "Acme Assist 2", "system_ids": [other_system["id"]]},
        headers={"If-Match": etag},
    )
    assert relinked.status_code == 200, relinked.text
    assert relinked.json()["products"][0]["name"] == "Acme Assist 2"
    assert relinked.json()["products"][0]["system_ids"] == [other_system["id"]]

    removed = await procurement.delete(path, headers={"If-Match": relinked.headers["ETag"]})
    assert removed.status_code == 200, removed.text
    assert removed.json()["products"] == []
    kept = await procurement.get(f"/v1/supplier-requests/{request['id']}")
    assert kept.status_code == 200
    assert kept.json()["product_id"] is None
    actions = await audited(admin, supplier)
    assert actions[-2:] == ["supplier.product_updated", "supplier.product_removed"]
    assert (await admin.get(f"/v1/ai-systems/{other_system['id']}")).status_code == 200


async def test_supplier_details_change_with_the_current_etag_only(
    procurement: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    supplier = await create_supplier(procurement, admin)
    path = f"/v1/suppliers/{supplier['id']}"
    etag = (await profile(procurement, supplier)).headers["ETag"]

    missing = await procurement.patch(path, json={"country": "FR"})
    assert missing.status_code == 428
    stale = await procurement.patch(path, json={"country": "FR"}, headers={"If-Match": '"r0"'})
    assert stale.status_code == 412
    nameless = await procurement.patch(path, json={"name": None}, headers={"If-Match": etag})
    assert nameless.status_code == 422
    assert nameless.json()["errors"][0]["pointer"] == "/name"
    assert (await profile(procurement, supplier)).json()["country"] == "DE"

    changed = await procurement.patch(path, json={"country": "FR"}, headers={"If-Match": etag})
    assert changed.status_code == 200, changed.text
    assert changed.json()["country"] == "FR"
    assert changed.headers["ETag"] != etag
    assert "supplier.updated" in await audited(admin, supplier)


async def test_a_second_contact_with_the_same_address_is_refused(
    procurement: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    supplier = await create_supplier(procurement, admin)
    again = await procurement.post(
        f"/v1/suppliers/{supplier['id']}/contacts",
        json={"name": "Dana again", "email": "DANA@acme-ai.example"},
    )
    assert again.status_code == 409
    assert again.json()["type"] == "/problems/contact-exists"
    assert len((await profile(procurement, supplier)).json()["contacts"]) == 1


async def test_product_changes_need_the_suppliers_etag_and_a_product_of_it(
    procurement: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    supplier = await create_supplier(procurement, admin)
    other = await create_supplier(procurement, admin, name="Other AI")
    base = f"/v1/suppliers/{supplier['id']}/products"
    product = supplier["products"][0]["id"]
    etag = (await profile(procurement, supplier)).headers["ETag"]

    assert (await procurement.delete(f"{base}/{product}")).status_code == 428
    stale = await procurement.patch(
        f"{base}/{product}", json={"name": "x"}, headers={"If-Match": '"r0"'}
    )
    assert stale.status_code == 412
    foreign = await procurement.delete(
        f"{base}/{other['products'][0]['id']}", headers={"If-Match": etag}
    )
    assert foreign.status_code == 404
    unchanged = await profile(procurement, supplier)
    assert unchanged.headers["ETag"] == etag
    assert [p["name"] for p in unchanged.json()["products"]] == ["Acme Assist"]


async def test_suppliers_are_found_by_part_of_their_name(
    procurement: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    acme = await create_supplier(procurement, admin)
    await create_supplier(procurement, admin, name="Other AI")

    async def found(q: str) -> list[str]:
        response = await procurement.get("/v1/suppliers", params={"q": q})
        assert response.status_code == 200, response.text
        return [s["id"] for s in response.json()["items"]]

    assert await found("ACME") == [acme["id"]]
    assert await found("%") == []  # matched literally, not as a wildcard
    assert await found("_") == []
