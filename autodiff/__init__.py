"""autodiff: a scalar reverse-mode autograd engine small enough to read in one sitting."""

from autodiff import datasets, losses, nn, optim
from autodiff.backward import backward, gc_paused, topological_order, zero_grad
from autodiff.compile import CompileError, compile
from autodiff.datasets import Dataset, DatasetError, load_csv
from autodiff.gradcheck import GradcheckError, gradcheck, numerical_gradient
from autodiff.stepper import InputStep, Step, backward_steps
from autodiff.training import EpochRecord, History, train
from autodiff.value import Constant, Value, exp, linear, log, relu, sigmoid, tanh, total

__all__ = [
    "CompileError",
    "Constant",
    "Dataset",
    "DatasetError",
    "EpochRecord",
    "GradcheckError",
    "History",
    "InputStep",
    "Step",
    "Value",
    "backward",
    "backward_steps",
    "compile",
    "datasets",
    "exp",
    "gc_paused",
    "gradcheck",
    "linear",
    "load_csv",
    "log",
    "losses",
    "nn",
    "numerical_gradient",
    "optim",
    "relu",
    "sigmoid",
    "tanh",
    "topological_order",
    "total",
    "train",
    "zero_grad",
]
