#!/usr/bin/env python
"""CPU cost of the public paper-scale models of the recipe (nbs/15_paper.ipynb), measured with random weights in the
exact architectures (no download): SAM ViT-H image encoder at 1024 px, SegFormer-B5 face parser at 512 px, one
Stable-Diffusion-1.5 UNet + ControlNet step at 512 px (64x64 latents, batch 2 = classifier-free guidance).
Prints seconds per call and the process's peak RSS after each. Usage: python bench/bench_paper_models.py [--only sam,segformer,sd]"""
import argparse, resource, time
import torch

def rss(): return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20   # GiB

def timed(f, n=1):
    f(); t = time.perf_counter()
    for _ in range(n): f()
    return (time.perf_counter() - t) / n

def sam():
    from segment_anything import sam_model_registry
    m = sam_model_registry['vit_h']().eval(); x = torch.randn(1, 3, 1024, 1024)
    with torch.no_grad(): return timed(lambda: m.image_encoder(x))

def segformer():
    from transformers import SegformerConfig, SegformerForSemanticSegmentation
    cfg = SegformerConfig(depths=[3, 6, 40, 3], hidden_sizes=[64, 128, 320, 512], decoder_hidden_size=768, num_labels=19)   # B5
    m = SegformerForSemanticSegmentation(cfg).eval(); x = torch.randn(1, 3, 512, 512)
    with torch.no_grad(): return timed(lambda: m(pixel_values=x))

def sd():
    from diffusers import UNet2DConditionModel, ControlNetModel
    unet = UNet2DConditionModel(sample_size=64, cross_attention_dim=768).eval()          # the SD 1.5 UNet's defaults
    cn = ControlNetModel(cross_attention_dim=768).eval()
    x, t, e, c = torch.randn(2, 4, 64, 64), torch.tensor([500, 500]), torch.randn(2, 77, 768), torch.randn(2, 3, 512, 512)
    def step():
        d, m = cn(x, t, encoder_hidden_states=e, controlnet_cond=c, return_dict=False)
        return unet(x, t, encoder_hidden_states=e, down_block_additional_residuals=d, mid_block_additional_residual=m)
    with torch.no_grad(): return timed(step)

if __name__ == '__main__':
    ap = argparse.ArgumentParser(); ap.add_argument('--only', default='sam,segformer,sd'); a = ap.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    for name in a.only.split(','):
        s = {'sam': sam, 'segformer': segformer, 'sd': sd}[name]()
        print(f"{name:10s} {s:8.2f} s per call   peak RSS {rss():5.2f} GiB")
