//! The observation report's questions as queries on the lake, and the statistics behind them
