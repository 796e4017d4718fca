/** Where the page's MNIST files live, relative to the page; the build's plugin writes them there. */
export const MNIST_URL_DIR = 'mnist/';
