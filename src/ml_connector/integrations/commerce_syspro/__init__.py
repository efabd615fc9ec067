"""Adobe Commerce -> SYSPRO: orders become sales orders and GL journals (exactly once); customers both ways."""
