"""Image embeddings from a CNN trained on the task, with flip-and-crop augmentation (:class:`ImageEmbedder`)."""

from __future__ import annotations

import io
import numbers
import os

import numpy as np
import torch

from .._validation import check_int, check_int_tuple, param_error
from ..exceptions import InvalidInputError, InvalidParameterError
from ._inputs import InputKind, get_input_kind
from ._neural import NeuralExtractor

__all__ = ["ImageEmbedder", "RandomFlipCrop", "decode_images"]


class RandomFlipCrop(torch.nn.Module):
    """Wrap a network so that its training batches get random horizontal flips and padded random crops.

    In ``train()`` mode each image is flipped left-right with probability 1/2 and shifted by a random
    crop of the zero-padded image (the CIFAR augmentation of He et al. 2016); in ``eval()`` mode the
    input passes unchanged, so embeddings and predictions never see augmentation. Randomness comes
    from torch's global generator, which :func:`fuselearn.nn.train_module` seeds. We checked
    torchvision's ``RandomHorizontalFlip``/``RandomCrop``: torchvision is not a dependency here, and
    these are per-sample tensor ops of a few lines.

    Shapes:
        - input: ``(batch, C, H, W)``
        - output: what ``net`` returns; ``embed`` gives ``net.embed`` (or ``net``) on the raw input.
    """

    def __init__(self, net: torch.nn.Module, *, flip: bool = True, padding: int = 4) -> None:
        super().__init__()
        self.net, self.flip, self.padding = net, bool(flip), int(padding)

    def reset_parameters(self) -> None:
        if hasattr(self.net, "reset_parameters"):
            self.net.reset_parameters()

    def augment(self, x: torch.Tensor) -> torch.Tensor:
        if self.flip:
            mask = torch.rand(x.shape[0], device=x.device) < 0.5
            x = torch.where(mask[:, None, None, None], x.flip(-1), x)
        p = self.padding
        if p > 0:
            h, w = x.shape[-2:]
            padded = torch.nn.functional.pad(x, (p, p, p, p))
            dy = torch.randint(0, 2 * p + 1, (x.shape[0],)).tolist()
            dx = torch.randint(0, 2 * p + 1, (x.shape[0],)).tolist()
            x = torch.stack([padded[i, :, a:a + h, b:b + w] for i, (a, b) in enumerate(zip(dy, dx))])
        return x

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        fn = getattr(self.net, "embed", None) or self.net
        return fn(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(self.augment(x) if self.training else x)

    def __repr__(self) -> str:
        return f"RandomFlipCrop({type(self.net).__name__}, flip={self.flip}, padding={self.padding})"


def decode_images(items, size: tuple[int, int]) -> np.ndarray:
    """Decode file paths, encoded bytes or PIL images with Pillow into ``(n, 3, H, W)`` floats in [0, 1].

    Every image is converted to RGB and resized to ``size = (height, width)`` (bilinear).
    """
    from PIL import Image, UnidentifiedImageError

    out = np.empty((len(items), 3, size[0], size[1]), dtype=np.float32)
    for i, item in enumerate(items):
        try:
            if isinstance(item, Image.Image):
                img = item
            elif isinstance(item, (bytes, bytearray)):
                img = Image.open(io.BytesIO(item))
            elif isinstance(item, (str, os.PathLike)):
                img = Image.open(item)
            else:
                raise InvalidInputError(
                    f"Image {i} is {type(item).__name__}; expected a file path, encoded bytes or a PIL image."
                )
            img = img.convert("RGB").resize((size[1], size[0]), Image.BILINEAR)
        except (OSError, UnidentifiedImageError) as exc:
            raise InvalidInputError(f"Image {i} could not be decoded with Pillow: {exc}") from exc
        out[i] = np.asarray(img, dtype=np.float32).transpose(2, 0, 1) / 255.0
    return out


def _is_encoded(X) -> bool:
    if isinstance(X, np.ndarray):
        return X.dtype == object or X.dtype.kind in "US"
    if isinstance(X, (list, tuple)) and X:
        return not isinstance(X[0], (numbers.Number, np.ndarray, list, tuple))
    return False


class ImageEmbedder(NeuralExtractor):
    """Image embeddings from a CNN trained on the task (``NeuralExtractor`` on image input).

    ``fit(images, y)`` trains the registry module ``module`` (``"cnn"`` from :mod:`fuselearn.nn`, or a
    callable ``(n_channels, n_outputs) -> Module`` taking ``(batch, C, H, W)``) with a temporary head,
    augmenting each training batch with random horizontal flips and padded random crops (seeded by
    ``random_state``; never applied in ``transform``). ``transform`` returns the network's ``embed``
    output. Images are a float array ``(n, C, H, W)`` or a sequence of file paths, encoded bytes or
    PIL images, decoded with Pillow to RGB at ``image_size``.

    Parameters
    ----------
    module : str or callable, default="cnn"
        The image network.
    image_size : tuple of int (height, width), default=(32, 32)
        Size decoded images are resized to (arrays are used as given).
    flip : bool, default=True
        Random horizontal flips in training.
    crop_padding : int, default=4
        Zero padding of the random crops in training; 0 turns cropping off.
    module_params, hidden_sizes, max_epochs, batch_size, lr, weight_decay, validation_fraction, \
patience, aux_loss_weight, device, random_state, verbose, cache
        As in :class:`NeuralExtractor` (``cache`` keys each row on the trained weights).

    See Also
    --------
    NeuralExtractor : the same for any module and input kind.
    """

    def __init__(self, module="cnn", *, image_size=(32, 32), flip=True, crop_padding=4, module_params=None,
                 hidden_sizes=(64,), max_epochs=30, batch_size=64, lr=1e-3, weight_decay=0.0,
                 validation_fraction=0.1, patience=5, aux_loss_weight=0.1, device="cpu", random_state=None,
                 verbose=0, cache=None) -> None:
        super().__init__(module, module_params=module_params, hidden_sizes=hidden_sizes,
                         max_epochs=max_epochs, batch_size=batch_size, lr=lr, weight_decay=weight_decay,
                         validation_fraction=validation_fraction, patience=patience,
                         aux_loss_weight=aux_loss_weight, device=device, random_state=random_state,
                         verbose=verbose, cache=cache)
        self.image_size = image_size
        self.flip = flip
        self.crop_padding = crop_padding

    def _input_kind(self) -> InputKind:
        def decode_first(validate):
            def decode_then_validate(est, X, reset):
                if _is_encoded(X):
                    X = decode_images(list(X), tuple(est.image_size))
                return validate(est, X, reset)

            return decode_then_validate

        return get_input_kind("image").with_validate(decode_first)

    def _wraps_instance(self) -> bool:
        return False

    def _check_params(self) -> None:
        if isinstance(self.module, torch.nn.Module):
            raise InvalidParameterError(
                "The 'module' parameter of ImageEmbedder must be a registry name or a callable "
                "(n_channels, n_outputs) -> Module, not a module instance. For a frozen pretrained "
                "network use NeuralExtractor(module=net)."
            )
        size = self.image_size
        if not (isinstance(size, (tuple, list)) and len(size) == 2):
            raise param_error("image_size", "ImageEmbedder", "(height, width), two ints >= 1", size)
        check_int_tuple(size, "image_size", "ImageEmbedder")
        check_int(self.crop_padding, "crop_padding", "ImageEmbedder", minimum=0)
        super()._check_params()

    def _build_module(self) -> torch.nn.Module:
        net = super()._build_module()
        return RandomFlipCrop(net, flip=self.flip, padding=self.crop_padding)

    def get_feature_names_out(self, input_features=None):
        """Names ``imageembedder0 ... imageembedder{d-1}``."""
        self._check_fitted("get_feature_names_out")
        return np.asarray([f"imageembedder{i}" for i in range(self.embedding_dim_)], dtype=object)
