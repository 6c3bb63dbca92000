"""autodiff: a scalar reverse-mode autograd engine small enough to read in one sitting."""

from autodiff import datasets, losses, nn, optim
from autodiff.backward import backward, topological_order, zero_grad
from autodiff.training import EpochRecord, History, train
from autodiff.value import Constant, Value, exp, linear, log, relu, sigmoid, tanh, total

__all__ = [
    "Constant",
    "EpochRecord",
    "History",
    "Value",
    "backward",
    "datasets",
    "exp",
    "linear",
    "log",
    "losses",
    "nn",
    "optim",
    "relu",
    "sigmoid",
    "tanh",
    "topological_order",
    "total",
    "train",
    "zero_grad",
]
