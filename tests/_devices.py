"""Which CUDA namespaces can run here (PyTorch on ``cuda``, CuPy)."""


def cuda_namespaces():
    """``"torch_cuda"`` and ``"cupy"``, each where it is installed and sees a GPU."""
    found = []
    try:
        import torch
    except ImportError:
        pass
    else:
        if torch.cuda.is_available():
            found.append("torch_cuda")
    try:
        import cupy
    except ImportError:
        pass
    else:
        try:
            if cupy.cuda.runtime.getDeviceCount() > 0:
                found.append("cupy")
        except cupy.cuda.runtime.CUDARuntimeError:
            pass
    return found
