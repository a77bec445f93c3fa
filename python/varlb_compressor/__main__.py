"""python3 -m varlb_compressor PROG.py HALF ...: PROG.py's compress and answer
under varlb's protocols, with no protocol code in PROG.py (protocol.main)."""
from .protocol import main

main()
