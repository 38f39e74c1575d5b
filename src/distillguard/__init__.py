"""distillguard: detect, stop, share and prove adversarial distillation of LLM APIs."""

__version__ = "0.1.0"
