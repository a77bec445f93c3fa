#!/bin/sh
# python_torch.sh -- torch_int.py (python3-torch) through exec and serve: see python_examples.sh.
exec /bin/sh "$top_srcdir/tests/python_examples.sh" torch
