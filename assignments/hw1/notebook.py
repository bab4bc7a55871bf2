# Extra cells of the hw1 notebook: what your training loop does, in a picture.

# %% [markdown]
# ## Watching plain SGD learn w
#
# The published example: x = [1, 2, 3], y = [2, 4, 6], w0 = 1.0, lr = 0.01, one
# update per sample. Each point below is one gradient your `train_linear` took.

# %%
import matplotlib.pyplot as plt

w_final, grads = train_linear([1.0, 2.0, 3.0], [2.0, 4.0, 6.0], 1.0, 0.01, 10)
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(grads, marker=".")
ax.axhline(0.0, color="grey", linewidth=0.8)
ax.set_xlabel("update (one per sample)"); ax.set_ylabel("dL/dw"); ax.set_title(f"after 10 epochs, w = {w_final:.4f}")
plt.show()
