"""The connection-type catalog: a data file (`connection_types.json`) and its loader.

No Django here except in `apps.py` and `management/`.
"""

from faraday_admin.catalog.loader import (
    CATEGORY_LABELS,
    KEY_PAIR_TYPES,
    Catalog,
    CatalogError,
    ConnectionType,
    FieldSpec,
    get_catalog,
    looks_secret,
)

__all__ = [
    "CATEGORY_LABELS",
    "KEY_PAIR_TYPES",
    "Catalog",
    "CatalogError",
    "ConnectionType",
    "FieldSpec",
    "get_catalog",
    "looks_secret",
]
