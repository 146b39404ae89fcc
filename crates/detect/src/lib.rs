//! Rule model, native YAML and Sigma loaders, compiler and matcher for web attacks
