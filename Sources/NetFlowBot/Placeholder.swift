import NetFlow
