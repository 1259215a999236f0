"""The DuckDB warehouse: schemas, tables from the contracts, transactional partition writes."""

from warehouse.duck import DEFAULT_PATH, Scope, Warehouse, warehouse_path

__all__ = ["DEFAULT_PATH", "Scope", "Warehouse", "warehouse_path"]
