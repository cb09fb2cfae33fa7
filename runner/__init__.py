"""gilbench's in-container runner: see __main__.py and workloads/README.md.

Run the folder: ``python3 <dir>/runner serve``.  Nothing is imported here,
so that importing the package costs no more than its own modules.
"""
