"""autodiff: a scalar autograd engine (reverse mode, forward mode, any order) small enough to read in one sitting.

Backprop is ``loss.backward()``; its module is ``autodiff.backward`` (the package does not re-export
the function under the module's name, so ``import autodiff.backward`` gives the module).
"""

from autodiff import backward, datasets, losses, nn, optim
from autodiff.backward import gc_paused, topological_order, zero_grad
from autodiff.compile import CompileError, compile
from autodiff.datasets import Dataset, DatasetError, load_csv
from autodiff.forward import jvp
from autodiff.grad import grad, hessian, hvp
from autodiff.gradcheck import GradcheckError, gradcheck, gradgradcheck, numerical_gradient
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
    "grad",
    "gradcheck",
    "gradgradcheck",
    "hessian",
    "hvp",
    "jvp",
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
