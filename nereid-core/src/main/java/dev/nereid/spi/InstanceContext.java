package dev.nereid.spi;

/**
 * What a backend knows of one instance it creates.
 *
 * @param model the model version
 * @param name the instance's name, {@code <group name>_<index in group>}
 * @param index the instance's index among all instances of the model, from 0
 * @param kind the instance group kind ({@code KIND_CPU}, {@code KIND_GPU}, ...)
 * @param device the GPU id for a GPU instance, or -1
 */
public record InstanceContext(ModelContext model, String name, int index, String kind, int device) {}
