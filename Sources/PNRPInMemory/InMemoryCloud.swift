import PNRP
