"""Paper figures. Each module has ``make(...)``: it reads a tidy table, computes the statistics it
shows (written as a CSV beside the PDF) and saves the figure as a PDF."""
