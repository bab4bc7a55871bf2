# Extra cells of the hw4 notebook: plots of what your functions compute.
# (Percent format: `# %%` starts a code cell, `# %% [markdown]` a text cell.)

# %% [markdown]
# ## Plots of your experiments
#
# These cells use your functions above. Run them once everything passes the
# self-check, look at the curves, and use what you see in the written answers.

# %%
import matplotlib.pyplot as plt

# %% [markdown]
# ### Sigmoid versus ReLU on Case B: the loss over 30 steps

# %%
fig, ax = plt.subplots(figsize=(6, 3.5))
for activation in ("sigmoid", "relu"):
    history = train_network(CASE_B_X, CASE_B_T, CASE_B_W1, CASE_B_W2, 0.5, 30, activation)
    ax.plot(history["losses"], label=activation)
ax.set_xlabel("step"); ax.set_ylabel("loss E"); ax.legend(); ax.set_title("Case B, learning rate 0.5")
plt.show()

# %% [markdown]
# ### The learning-rate sweep (log scale; a diverged curve leaves the plot)

# %%
X, y = make_regression(n=32, seed=0)
rates = [0.01, 0.1, 0.5, 0.9, 1.1]
sweep = lr_sweep(X, y, np.zeros(X.shape[1]), rates, epochs=30)
fig, ax = plt.subplots(figsize=(6, 3.5))
for lr, curve, label in zip(rates, sweep["curves"], sweep["labels"]):
    ax.semilogy(curve, label=f"lr {lr}: {label}")
ax.set_xlabel("epoch"); ax.set_ylabel("mean squared error"); ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# ### Zero initialisation: the hidden units never become different

# %%
fig, ax = plt.subplots(figsize=(6, 3.5))
for scheme in ("zeros", "normal"):
    W1, W2 = init_weights(scheme, seed=1)
    ax.plot(symmetry_gap(CASE_B_X, CASE_B_T, W1, W2, 0.5, 30), label=scheme)
ax.set_xlabel("step"); ax.set_ylabel("largest difference between hidden units"); ax.legend()
plt.show()

# %% [markdown]
# ### Full batch, stochastic and mini-batch gradient descent

# %%
curves = gd_variants(X, y, np.zeros(X.shape[1]), 0.05, epochs=20, batch_size=8, seed=0)
fig, ax = plt.subplots(figsize=(6, 3.5))
for name, curve in curves.items():
    ax.semilogy(curve, label=name)
ax.set_xlabel("epoch"); ax.set_ylabel("mean squared error"); ax.legend()
plt.show()
