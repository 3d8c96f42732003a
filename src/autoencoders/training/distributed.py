"""Data-parallel training with ``torch.distributed``: the engine joins a process group when launched by
``torchrun`` (or ``ae train --nproc N``, or a cluster scheduler setting the same variables), and trains one
shard of every batch per process; DDP averages the gradients, so N processes take the same steps as one.

The launcher's environment (``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``, ``MASTER_ADDR``, ``MASTER_PORT``) is
all it reads: gloo on CPU, nccl on CUDA, one GPU per process.
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from .ranks import is_main_process, launched_world_size  # noqa: F401  (is_main_process: imported from here too)


@dataclass
class ProcessGroup:
    """This process's place in the group: ``rank`` of ``size`` (0 of 1 when training alone)."""

    rank: int = 0
    size: int = 1
    owned: bool = False  # this object started the group, so it ends it

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def shard(self, rows: torch.Tensor) -> torch.Tensor:
        """This process's share (B / size,) of a batch's row indices (B,); every process sees the same ``rows``."""
        return rows if self.size == 1 else rows[self.rank :: self.size]

    def wrap(self, loss_module: nn.Module, device: torch.device) -> nn.Module:
        if self.size == 1:
            return loss_module
        return DistributedDataParallel(loss_module, device_ids=[device.index] if device.type == "cuda" else None)

    def sum(self, values: torch.Tensor) -> torch.Tensor:
        """``values`` summed over every process (every process gets the total)."""
        if self.size > 1:
            dist.all_reduce(values, op=dist.ReduceOp.SUM)
        return values

    def close(self) -> None:
        if self.owned and dist.is_initialized():
            dist.barrier()
            dist.destroy_process_group()


def join_process_group(device: torch.device) -> tuple[ProcessGroup, torch.device]:
    """Join the launcher's process group when there is one (else a group of one); the device this process uses.

    With CUDA each process takes the GPU of its ``LOCAL_RANK``."""
    if launched_world_size() == 1:
        return ProcessGroup(), device
    if device.type == "cuda" and device.index is None:
        device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
    owned = not dist.is_initialized()
    if owned:
        if device.type == "cuda":
            torch.cuda.set_device(device)
        dist.init_process_group(backend="nccl" if device.type == "cuda" else "gloo")
    return ProcessGroup(dist.get_rank(), dist.get_world_size(), owned), device


class LossModule(nn.Module):
    """``model.loss`` as a module's ``forward``: DDP synchronises gradients of what runs through ``forward``."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, *inputs: torch.Tensor) -> dict[str, torch.Tensor]:
        return self.model.loss(*inputs)


def launch(nproc: int, module: str, args: Sequence[str]) -> list[int]:
    """Run ``python -m module *args`` in ``nproc`` processes on this machine, as ``torchrun --standalone`` does;
    the ranks of the processes that failed (empty when all succeeded). Each process gets its share of the CPU
    threads unless ``OMP_NUM_THREADS`` says otherwise."""
    from torch.distributed.elastic.multiprocessing.errors import ChildFailedError  # only the launcher needs these
    from torch.distributed.launcher.api import LaunchConfig, elastic_launch

    config = LaunchConfig(min_nodes=1, max_nodes=1, nproc_per_node=nproc, run_id=str(uuid.uuid4()),
                          rdzv_backend="c10d", rdzv_endpoint="localhost:0", max_restarts=0, monitor_interval=0.1)
    os.environ.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // nproc)))
    try:
        elastic_launch(config, sys.executable)("-m", module, *args)
    except ChildFailedError as error:
        return sorted(error.failures)
    return []
