"""autodiff: a scalar reverse-mode autograd engine small enough to read in one sitting."""

from autodiff.backward import backward, topological_order, zero_grad
from autodiff.value import Constant, Value, exp, linear, log, relu, sigmoid, tanh, total

__all__ = [
    "Constant",
    "Value",
    "backward",
    "exp",
    "linear",
    "log",
    "relu",
    "sigmoid",
    "tanh",
    "topological_order",
    "total",
    "zero_grad",
]
