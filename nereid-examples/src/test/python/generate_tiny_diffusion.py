#!/usr/bin/python3
"""Writes the tiny Stable Diffusion stand-ins and the reference numbers the nereid-examples tests use.

Real Stable Diffusion weights cannot be downloaded where Nereid is built, so the example repository
holds random-weight models with the inputs and outputs of the Hugging Face Optimum ONNX export of
Stable Diffusion 1.x, and a tiny CLIP tokenizer vocabulary in the files that export writes.

Run it with Debian's interpreter:
    apt-get install -y python3-torch python3-onnx python3-numpy python3-regex
    /usr/bin/python3 nereid-examples/src/test/python/generate_tiny_diffusion.py
It writes (and the repository commits):
    examples/models/text_encoder/1/model.onnx   input_ids INT32 [batch, sequence] -> last_hidden_state
                                                FP32 [batch, sequence, 32], pooler_output FP32 [batch, 32]
    examples/models/unet/1/model.onnx           sample FP32 [batch, 4, h, w], timestep INT64 [batch],
                                                encoder_hidden_states FP32 [batch, sequence, 32] -> out_sample
    examples/models/vae_decoder/1/model.onnx    latent_sample FP32 [batch, 4, h, w] -> sample FP32 [batch, 3, 8h, 8w]
    examples/models/stable_diffusion/1/tokenizer/{vocab.json, merges.txt, special_tokens_map.json}
    nereid-examples/src/test/resources/diffusion/
        unet_float_timestep/model.onnx          the same UNet with an FP32 timestep (newer Optimum exports)
        tokenizer_cases.json                    texts and their token ids (tokenizer below)
        scheduler_reference.json                timesteps, sigmas and update steps (schedulers below)
        pipeline_<scheduler>.png                whole-pipeline images (reference_pipeline below)
Tests never run this script. Everything here is written independently of the Java code: the
tokenizer, the schedulers and the pipeline are numpy/torch re-statements of what CLIPTokenizer,
diffusers' LMS/DDIM/Euler schedulers and the Triton tutorial's pipeline do.
"""
import json
import math
import os
import struct
import zlib

import numpy as np
import regex
import torch
import torch.nn.functional as F
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", "..", ".."))
MODELS = os.path.join(ROOT, "examples", "models")
RESOURCES = os.path.join(ROOT, "nereid-examples", "src", "test", "resources", "diffusion")

HIDDEN = 32        # CLIP ViT-L/14 has 768; the tiny text encoder's width and the UNet's cross-attention width
CHANNELS = 32      # UNet working channels
VAE_CHANNELS = 16
MAX_LENGTH = 77    # CLIP's context length
MERGES = 300       # BPE merges learned for the tiny vocabulary (CLIP has 48894)
UNET_MIX = 0.4     # how far the UNet's prediction strays from its input
VAE_GAIN = 4.0    # spreads the decoded colours
TIME_GAIN = 4.0   # how much the timestep matters, so that fractional timesteps show in the image
OPSET = 14         # Optimum's default for CLIP and the UNet

# --------------------------------------------------------------------------------------------------
# CLIP BPE tokenizer (a re-statement of CLIPTokenizer without ftfy; the Java one is tested against it)
# --------------------------------------------------------------------------------------------------

PATTERN = regex.compile(
    r"""<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+""",
    regex.IGNORECASE)
BOS, EOS = "<|startoftext|>", "<|endoftext|>"


def bytes_to_unicode():
    """GPT-2/CLIP's reversible map from the 256 byte values to printable unicode characters."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) \
        + list(range(ord("®"), ord("ÿ") + 1))
    chars = printable[:]
    extra = 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            chars.append(256 + extra)
            extra += 1
    return dict(zip(printable, [chr(c) for c in chars]))


BYTE_ENCODER = bytes_to_unicode()


def clean(text):
    import unicodedata
    text = unicodedata.normalize("NFC", text)
    return regex.sub(r"\s+", " ", text).strip().lower()


def pre_tokenize(text):
    """Words of the text, each as its byte-level characters."""
    return ["".join(BYTE_ENCODER[b] for b in w.encode("utf-8")) for w in PATTERN.findall(clean(text))]


def learn_merges(corpus, count):
    """Greedy BPE training: repeatedly merges the most frequent adjacent pair (ties: smallest pair)."""
    words = {}
    for line in corpus:
        for w in pre_tokenize(line):
            symbols = tuple(w[:-1]) + (w[-1] + "</w>",)
            words[symbols] = words.get(symbols, 0) + 1
    merges = []
    while len(merges) < count:
        pairs = {}
        for symbols, n in words.items():
            for a, b in zip(symbols, symbols[1:]):
                pairs[(a, b)] = pairs.get((a, b), 0) + n
        if not pairs:
            break
        best = min(pairs, key=lambda p: (-pairs[p], p))
        merges.append(best)
        merged = {}
        for symbols, n in words.items():
            out = tuple(merge_pair(symbols, best))
            merged[out] = merged.get(out, 0) + n
        words = merged
    return merges


def merge_pair(symbols, pair):
    """The symbols with every occurrence of the adjacent pair, left to right, joined into one."""
    out, i = [], 0
    while i < len(symbols):
        if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == pair:
            out.append(symbols[i] + symbols[i + 1])
            i += 2
        else:
            out.append(symbols[i])
            i += 1
    return out


def build_vocab(merges):
    """CLIP's vocabulary order: 256 byte characters, the same with </w>, one token per merge, then bos, eos."""
    base = list(BYTE_ENCODER.values())
    tokens = base + [c + "</w>" for c in base] + ["".join(m) for m in merges] + [BOS, EOS]
    return {t: i for i, t in enumerate(tokens)}


class Tokenizer:
    def __init__(self, vocab, merges):
        self.vocab = vocab
        self.ranks = {m: i for i, m in enumerate(merges)}

    def bpe(self, word):
        if word in (BOS, EOS):
            return [word]
        parts = list(word[:-1]) + [word[-1] + "</w>"]
        while len(parts) > 1:
            pair = min(zip(parts, parts[1:]), key=lambda p: self.ranks.get(p, math.inf))
            if pair not in self.ranks:
                break
            parts = merge_pair(parts, pair)
        return parts

    def encode(self, text):
        ids = [self.vocab[p] for w in pre_tokenize(text) for p in self.bpe(w)]
        ids = [self.vocab[BOS]] + ids[:MAX_LENGTH - 2] + [self.vocab[EOS]]
        return ids + [self.vocab[EOS]] * (MAX_LENGTH - len(ids))


CORPUS = [
    "butterfly in new york",
    "a photo of an astronaut riding a horse on mars",
    "a painting of a butterfly over the city at night, in the style of van gogh",
    "a cat sitting on a red chair, studio lighting, high detail",
    "the quick brown fox jumps over the lazy dog",
    "portrait of an old man with a beard, oil on canvas",
    "a castle on a hill under a starry sky, fantasy art",
    "two dogs playing in the snow, photograph, 35mm",
    "a bowl of fruit on a wooden table, still life",
    "an astronaut cat floating in space with the earth behind",
    "a watercolor painting of a lighthouse by the sea at sunset",
    "a futuristic city with flying cars and neon lights",
    "a small robot reading a book in a library",
    "mountains reflected in a calm lake in the morning",
    "a butterfly sitting on a flower in a garden, macro photography",
]

TOKENIZER_CASES = [
    "butterfly in new york",
    "a photo of an astronaut riding a horse on mars",
    "",
    "A Photo   OF an\tASTRONAUT\n riding",
    "it's the cat's toy, isn't it? we'll see, they've said i'm right & you'd agree",
    "3 dogs and 12 cats!!! (2024) -- 50% off",
    "café crème brûlée à la carte",
    "日本の猫 🐱 ñandú",
    "<|startoftext|>hello world<|endoftext|>",
    "zebra quokka xylophone",
    " ".join(["butterfly"] * 60),
]

# --------------------------------------------------------------------------------------------------
# Tiny models
# --------------------------------------------------------------------------------------------------


class TinyTextEncoder(nn.Module):
    """CLIP text model shape: token + position embeddings, a causal running mean, a layer norm."""

    def __init__(self, vocab_size):
        super().__init__()
        self.token = nn.Embedding(vocab_size, HIDDEN)
        self.position = nn.Parameter(torch.randn(MAX_LENGTH, HIDDEN) * 0.1)
        self.mix = nn.Linear(HIDDEN, HIDDEN)
        self.norm = nn.LayerNorm(HIDDEN)

    def forward(self, input_ids):
        x = self.token(input_ids.long()) + self.position[: input_ids.shape[1]]
        steps = torch.cumsum(torch.ones_like(x[:, :, :1]), dim=1)
        x = torch.cumsum(x, dim=1) / steps  # each position sees the tokens before it, as CLIP's causal mask does
        x = self.norm(x + torch.tanh(self.mix(x)))
        eos = input_ids.long().argmax(dim=-1)  # CLIP pools at the first highest id: the end-of-text token
        pooled = torch.gather(x, 1, eos[:, None, None].expand(-1, 1, HIDDEN)).squeeze(1)
        return x, pooled


class TinyUNet(nn.Module):
    """UNet2DConditionModel shape: conv in, sinusoidal timestep embedding, pooled text context, conv out."""

    def __init__(self):
        super().__init__()
        self.conv_in = nn.Conv2d(4, CHANNELS, 3, padding=1)
        self.time = nn.Linear(CHANNELS, CHANNELS)
        self.text = nn.Linear(HIDDEN, CHANNELS)
        self.conv_out = nn.Conv2d(CHANNELS, 4, 3, padding=1)
        half = CHANNELS // 2
        self.register_buffer("freqs", torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32) / half))

    def forward(self, sample, timestep, encoder_hidden_states):
        t = timestep.float().expand(sample.shape[0])
        angles = t[:, None] * self.freqs[None, :]
        emb = TIME_GAIN * self.time(torch.cat([torch.sin(angles), torch.cos(angles)], dim=-1))
        context = self.text(encoder_hidden_states.mean(dim=1))
        h = F.silu(self.conv_in(sample) + (emb + context)[:, :, None, None])
        # Mostly the (scaled) input: a near-perfect noise predictor for pure noise, so the schedulers
        # walk latents down to a small range, as with real weights, instead of blowing them up.
        return sample + UNET_MIX * self.conv_out(h)


class TinyVaeDecoder(nn.Module):
    """AutoencoderKL decoder shape: 4 latent channels to RGB at 8x the size, values about [-1, 1]."""

    def __init__(self):
        super().__init__()
        self.conv_in = nn.Conv2d(4, VAE_CHANNELS, 3, padding=1)
        self.conv_out = nn.Conv2d(VAE_CHANNELS, 3, 3, padding=1)

    def forward(self, latent_sample):
        h = F.silu(self.conv_in(latent_sample * 0.18215 * VAE_GAIN))  # the pipeline divides by 0.18215 first
        h = F.interpolate(h, scale_factor=8.0, mode="nearest")
        return 1.1 * torch.tanh(self.conv_out(h))  # a little beyond [-1, 1], so the pipeline's clamp matters


def export(module, args, path, input_names, output_names, dynamic_axes):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    torch.onnx.export(module, args, path, input_names=input_names, output_names=output_names,
                      dynamic_axes=dynamic_axes, opset_version=OPSET, do_constant_folding=True)
    print("wrote", os.path.relpath(path, ROOT), os.path.getsize(path), "bytes")


# --------------------------------------------------------------------------------------------------
# Schedulers (diffusers' LMSDiscreteScheduler, DDIMScheduler with eta 0, EulerDiscreteScheduler, with
# Stable Diffusion 1.x's scheduler config: scaled_linear betas 0.00085..0.012 over 1000 steps,
# steps_offset 1, set_alpha_to_one false, epsilon prediction)
# --------------------------------------------------------------------------------------------------

TRAIN_STEPS = 1000
BETAS = np.linspace(0.00085 ** 0.5, 0.012 ** 0.5, TRAIN_STEPS, dtype=np.float64) ** 2
ALPHAS_CUMPROD = np.cumprod(1.0 - BETAS)
TRAIN_SIGMAS = ((1 - ALPHAS_CUMPROD) / ALPHAS_CUMPROD) ** 0.5


class Sigmas:
    """LMS and Euler share the Karras-style sigma table: timesteps spaced linearly over [0, 999]."""

    def __init__(self, steps):
        self.timesteps = np.linspace(0, TRAIN_STEPS - 1, steps)[::-1].copy()
        self.sigmas = np.append(np.interp(self.timesteps, np.arange(TRAIN_STEPS), TRAIN_SIGMAS), 0.0)
        self.init_noise_sigma = float(self.sigmas.max())

    def scale(self, i):
        return 1.0 / math.sqrt(self.sigmas[i] ** 2 + 1)


class Lms(Sigmas):
    def __init__(self, steps, order=4):
        super().__init__(steps)
        self.order = order
        self.derivatives = []

    def coefficient(self, order, i, current):
        """The integral over [sigma_i, sigma_i+1] of the Lagrange basis polynomial for sigma_(i-current),
        computed exactly from its polynomial coefficients (diffusers integrates it numerically)."""
        poly = np.poly1d([1.0])
        for k in range(order):
            if k == current:
                continue
            poly *= np.poly1d([1.0, -self.sigmas[i - k]]) / (self.sigmas[i - current] - self.sigmas[i - k])
        antiderivative = poly.integ()
        return antiderivative(self.sigmas[i + 1]) - antiderivative(self.sigmas[i])

    def step(self, eps, i, sample):
        sigma = self.sigmas[i]
        derivative = (sample - (sample - sigma * eps)) / sigma
        self.derivatives.append(derivative)
        if len(self.derivatives) > self.order:
            self.derivatives.pop(0)
        order = min(i + 1, self.order)
        coefficients = [self.coefficient(order, i, c) for c in range(order)]
        return sample + sum(c * d for c, d in zip(coefficients, reversed(self.derivatives)))


class Euler(Sigmas):
    def step(self, eps, i, sample):
        sigma = self.sigmas[i]
        derivative = (sample - (sample - sigma * eps)) / sigma
        return sample + derivative * (self.sigmas[i + 1] - sigma)


class Ddim:
    STEPS_OFFSET = 1

    def __init__(self, steps):
        self.ratio = TRAIN_STEPS // steps
        self.timesteps = (np.arange(steps) * self.ratio)[::-1].astype(np.int64) + self.STEPS_OFFSET
        self.sigmas = None
        self.init_noise_sigma = 1.0

    def scale(self, i):
        return 1.0

    def step(self, eps, i, sample):
        t = int(self.timesteps[i])
        prev = t - self.ratio
        alpha = ALPHAS_CUMPROD[t]
        alpha_prev = ALPHAS_CUMPROD[prev] if prev >= 0 else ALPHAS_CUMPROD[0]  # set_alpha_to_one false
        original = (sample - (1 - alpha) ** 0.5 * eps) / alpha ** 0.5
        return alpha_prev ** 0.5 * original + (1 - alpha_prev) ** 0.5 * eps


SCHEDULERS = {"lms": Lms, "ddim": Ddim, "euler": Euler}


def scheduler_reference():
    rng = np.random.default_rng(7)
    out = {"train_steps": TRAIN_STEPS,
           "alphas_cumprod": {str(t): ALPHAS_CUMPROD[t] for t in (0, 1, 499, 998, 999)}}
    for name, cls in SCHEDULERS.items():
        runs = []
        for steps, traced in ((4, 4), (50, 6), (7, 7)):
            s = cls(steps)
            sample = rng.standard_normal(8)
            trace = []
            x = sample
            for i in range(traced):
                eps = rng.standard_normal(8)
                nxt = s.step(eps, i, x)
                trace.append({"model_output": eps.tolist(), "prev_sample": nxt.tolist()})
                x = nxt
            runs.append({
                "steps": steps,
                "timesteps": [float(t) for t in s.timesteps],
                "sigmas": None if s.sigmas is None else [float(v) for v in s.sigmas],
                "init_noise_sigma": s.init_noise_sigma,
                "input_scales": [s.scale(i) for i in range(steps)],
                "sample": sample.tolist(),
                "trace": trace,
            })
        out[name] = runs
    return out


# --------------------------------------------------------------------------------------------------
# The whole pipeline, for end-to-end reference images
# --------------------------------------------------------------------------------------------------


def splitmix64(seed):
    """SplitMix64's finalizer on a 64-bit value: the pipeline mixes its seed with it first."""
    m = (1 << 64) - 1
    z = (seed + 0x9E3779B97F4A7C15) & m
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & m
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & m
    return z ^ (z >> 31)


class JavaRandom:
    """java.util.Random (its algorithm is part of the Java specification): the pipeline's noise source."""

    MASK = (1 << 48) - 1

    def __init__(self, seed):
        self.seed = (seed ^ 0x5DEECE66D) & self.MASK
        self.spare = None

    def next(self, bits):
        self.seed = (self.seed * 0x5DEECE66D + 0xB) & self.MASK
        return self.seed >> (48 - bits)

    def next_double(self):
        return ((self.next(26) << 27) + self.next(27)) * 2.0 ** -53

    def next_gaussian(self):
        if self.spare is not None:
            spare, self.spare = self.spare, None
            return spare
        while True:
            v1 = 2 * self.next_double() - 1
            v2 = 2 * self.next_double() - 1
            s = v1 * v1 + v2 * v2
            if 0 < s < 1:
                break
        multiplier = math.sqrt(-2 * math.log(s) / s)
        self.spare = v2 * multiplier
        return v1 * multiplier


def reference_pipeline(models, tokenizer, prompt, scheduler, steps, seed, guidance, size, negative="",
                       float_timestep=False):
    text_encoder, unet, vae = models
    guided = guidance > 1.0
    texts = [negative, prompt] if guided else [prompt]
    ids = torch.tensor([tokenizer.encode(t) for t in texts], dtype=torch.int32)
    with torch.no_grad():
        embeddings = text_encoder(ids)[0]
        rnd = JavaRandom(splitmix64(seed & ((1 << 64) - 1)))
        latent_shape = (1, 4, size // 8, size // 8)
        noise = np.array([rnd.next_gaussian() for _ in range(int(np.prod(latent_shape)))], dtype=np.float32)
        s = SCHEDULERS[scheduler](steps)
        latents = noise.reshape(latent_shape).astype(np.float64) * s.init_noise_sigma
        for i, t in enumerate(s.timesteps):
            batch = np.concatenate([latents] * len(texts)) * s.scale(i)
            if float_timestep:
                timestep = torch.full((len(texts),), float(t), dtype=torch.float32)
            else:
                timestep = torch.full((len(texts),), int(t), dtype=torch.int64)  # an INT64 input truncates
            eps = unet(torch.from_numpy(batch.astype(np.float32)), timestep, embeddings).numpy().astype(np.float64)
            if guided:
                eps = eps[0:1] + guidance * (eps[1:2] - eps[0:1])
            latents = s.step(eps, i, latents)
        image = vae(torch.from_numpy((latents / 0.18215).astype(np.float32))).numpy()
    image = np.clip(image[0] / 2 + 0.5, 0, 1).transpose(1, 2, 0)
    return np.floor(image * 255 + 0.5).astype(np.uint8)


def write_png(path, image):
    height, width, _ = image.shape
    raw = b"".join(b"\x00" + image[y].tobytes() for y in range(height))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)) \
        + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(png)
    print("wrote", os.path.relpath(path, ROOT), len(png), "bytes")


def write_json(path, value, lines=False):
    """JSON in UTF-8; with lines, a list is written one element per line."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        if lines:
            f.write("[\n" + ",\n".join(json.dumps(v, ensure_ascii=False) for v in value) + "\n]\n")
        else:
            json.dump(value, f, ensure_ascii=False, indent=1)
            f.write("\n")
    print("wrote", os.path.relpath(path, ROOT))


PIPELINE_CASES = [  # (file suffix, scheduler, steps, guidance, other arguments); all seed 42, 64 x 64
    ("lms", "lms", 5, 7.5, {}),
    ("ddim", "ddim", 5, 7.5, {}),
    ("euler", "euler", 5, 7.5, {}),
    ("lms_unguided", "lms", 5, 1.0, {}),
    ("lms_negative", "lms", 5, 7.5, {"negative": "blurry, low quality"}),
    ("lms_float_timestep", "lms", 5, 7.5, {"float_timestep": True}),  # with unet_float_timestep
]


def main():
    torch.manual_seed(0)
    merges = learn_merges(CORPUS, MERGES)
    vocab = build_vocab(merges)
    tokenizer_dir = os.path.join(MODELS, "stable_diffusion", "1", "tokenizer")
    write_json(os.path.join(tokenizer_dir, "vocab.json"), vocab)
    with open(os.path.join(tokenizer_dir, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n" + "".join("%s %s\n" % m for m in merges))
    write_json(os.path.join(tokenizer_dir, "special_tokens_map.json"),
               {"bos_token": BOS, "eos_token": EOS, "pad_token": EOS, "unk_token": EOS})

    tokenizer = Tokenizer(vocab, merges)
    write_json(os.path.join(RESOURCES, "tokenizer_cases.json"),
               [{"text": t, "ids": tokenizer.encode(t)} for t in TOKENIZER_CASES], lines=True)

    text_encoder, unet, vae = TinyTextEncoder(len(vocab)).eval(), TinyUNet().eval(), TinyVaeDecoder().eval()
    ids = torch.tensor([tokenizer.encode("butterfly in new york")] * 2, dtype=torch.int32)
    export(text_encoder, (ids,), os.path.join(MODELS, "text_encoder", "1", "model.onnx"), ["input_ids"],
           ["last_hidden_state", "pooler_output"],
           {"input_ids": {0: "batch_size", 1: "sequence_length"},
            "last_hidden_state": {0: "batch_size", 1: "sequence_length"}, "pooler_output": {0: "batch_size"}})
    sample = torch.randn(2, 4, 8, 8)
    hidden = torch.randn(2, MAX_LENGTH, HIDDEN)
    unet_axes = {"sample": {0: "batch_size", 2: "height", 3: "width"}, "timestep": {0: "steps"},
                 "encoder_hidden_states": {0: "batch_size", 1: "sequence_length"},
                 "out_sample": {0: "batch_size", 2: "height", 3: "width"}}
    unet_io = (["sample", "timestep", "encoder_hidden_states"], ["out_sample"], unet_axes)
    export(unet, (sample, torch.tensor([999, 999], dtype=torch.int64), hidden),
           os.path.join(MODELS, "unet", "1", "model.onnx"), *unet_io)
    export(unet, (sample, torch.tensor([999.0, 999.0]), hidden),
           os.path.join(RESOURCES, "unet_float_timestep", "model.onnx"), *unet_io)
    export(vae, (torch.randn(1, 4, 8, 8),), os.path.join(MODELS, "vae_decoder", "1", "model.onnx"),
           ["latent_sample"], ["sample"],
           {"latent_sample": {0: "batch_size", 2: "height", 3: "width"},
            "sample": {0: "batch_size", 2: "height", 3: "width"}})

    write_json(os.path.join(RESOURCES, "scheduler_reference.json"), scheduler_reference())
    for suffix, scheduler, steps, guidance, other in PIPELINE_CASES:
        image = reference_pipeline((text_encoder, unet, vae), tokenizer, "butterfly in new york", scheduler,
                                   steps, 42, guidance, 64, **other)
        write_png(os.path.join(RESOURCES, "pipeline_%s.png" % suffix), image)


if __name__ == "__main__":
    main()
