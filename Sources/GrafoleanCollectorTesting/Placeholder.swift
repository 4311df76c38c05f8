// Placeholder until the test backend lands.
public enum GrafoleanCollectorTestingPlaceholder {}
