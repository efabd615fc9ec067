"""SYSPRO e.net Solutions REST emulator (sessions, COMFND/COMFCH/COMBRW, SORTOI, GENTJL, ARSSCS)."""
