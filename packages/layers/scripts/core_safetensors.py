"""The safetensors reader and writer of packages/core/scripts/safetensors_cross_check.py, for the
layers' scripts (imported, not copied): Debian 12 packages no `safetensors` module for Python.

    from core_safetensors import st   # st.decode(bytes), st.encode(tensors, metadata)
"""

import importlib.util
import os

_CORE_SCRIPT = os.path.normpath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "core", "scripts",
                 "safetensors_cross_check.py"))

_spec = importlib.util.spec_from_file_location("stride_safetensors_cross_check", _CORE_SCRIPT)
st = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(st)
