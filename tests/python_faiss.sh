#!/bin/sh
# python_faiss.sh -- faiss_pq.py (python3-faiss) through exec and serve: see python_examples.sh.
exec /bin/sh "$top_srcdir/tests/python_examples.sh" faiss
