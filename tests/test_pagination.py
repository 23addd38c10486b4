"""core.pagination's keyset pagers, which the List* services share: every row once, in
order, across pages; creation-time ties broken by id; a token only good for its scope."""

from __future__ import annotations

import pytest
from django.utils import timezone

from core.errors import InvalidParameterException
from core.pagination import Page, creation_order_page, keyset_page
from identity.models import IdentityPool
from identity.services import identities
from identity.services import pools as identity_pools


def _creation_order_pages(size: int) -> list[Page[IdentityPool]]:
    query = IdentityPool.objects.all()
    pages = [creation_order_page(query, scope="test", next_token=None, size=size)]
    while pages[-1].next_token:
        token = pages[-1].next_token
        pages.append(creation_order_page(query, scope="test", next_token=token, size=size))
    return pages


@pytest.mark.django_db
def test_keyset_and_creation_order_pages() -> None:
    created = [
        identity_pools.create_identity_pool(
            params={"IdentityPoolName": f"pool-{n}", "AllowUnauthenticatedIdentities": True}
        )
        for n in range(5)
    ]
    # Three pools created in the same instant: the id decides their order.
    tie = timezone.now()
    IdentityPool.objects.filter(pk__in=[pool.pk for pool in created[1:4]]).update(created=tie)
    expected = sorted(IdentityPool.objects.all(), key=lambda pool: (pool.created, pool.id))

    pages = _creation_order_pages(2)
    assert [len(page.items) for page in pages] == [2, 2, 1]
    assert [pool.id for page in pages for pool in page.items] == [pool.id for pool in expected]
    assert pages[-1].next_token is None

    named = keyset_page(IdentityPool.objects.all(), scope="n", next_token=None, size=2, key="name")
    rest = keyset_page(
        IdentityPool.objects.all(), scope="n", next_token=named.next_token, size=9, key="name"
    )
    assert [pool.name for pool in named.items + rest.items] == [f"pool-{n}" for n in range(5)]
    assert rest.next_token is None

    with pytest.raises(InvalidParameterException):
        creation_order_page(
            IdentityPool.objects.all(), scope="other", next_token=pages[0].next_token, size=2
        )

    # ListIdentities pages (unauthenticated identities: no logins) through the same pager.
    pool = created[0]
    made = [identities.get_id(pool_id=pool.id, logins=None).id for _ in range(3)]
    first = identities.list_identities(pool=pool, limit=2, next_token=None)
    second = identities.list_identities(pool=pool, limit=2, next_token=first.next_token)
    assert sorted(item.identity.id for item in first.items + second.items) == sorted(made)
    assert second.next_token is None
    assert [item.logins for item in first.items + second.items] == [[], [], []]
