<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>
<qgis symbologyReferenceScale="-1" hasScaleBasedVisibilityFlag="0" styleCategories="AllStyleCategories" readOnly="0" version="3.22.16-Białowieża" simplifyAlgorithm="0" simplifyLocal="1" maxScale="0" simplifyMaxScale="1" simplifyDrawingHints="1" simplifyDrawingTol="1" minScale="100000000" labelsEnabled="0">
  <flags>
    <Identifiable>1</Identifiable>
    <Removable>1</Removable>
    <Searchable>1</Searchable>
    <Private>0</Private>
  </flags>
  <temporal mode="0" endExpression="" fixedDuration="0" accumulate="0" startField="" startExpression="" enabled="0" durationUnit="min" limitMode="0" durationField="" endField="">
    <fixedRange>
      <start></start>
      <end></end>
    </fixedRange>
  </temporal>
  <renderer-v2 symbollevels="0" referencescale="-1" type="singleSymbol" enableorderby="0" forceraster="0">
    <symbols>
      <symbol force_rhr="0" name="0" type="marker" clip_to_extent="1" alpha="1">
        <data_defined_properties>
          <Option type="Map">
            <Option name="name" type="QString" value=""/>
            <Option name="properties"/>
            <Option name="type" type="QString" value="collection"/>
          </Option>
        </data_defined_properties>
        <layer locked="0" pass="0" enabled="1" class="SimpleMarker">
          <Option type="Map">
            <Option name="angle" type="QString" value="0"/>
            <Option name="cap_style" type="QString" value="square"/>
            <Option name="color" type="QString" value="40,40,40,200"/>
            <Option name="horizontal_anchor_point" type="QString" value="1"/>
            <Option name="joinstyle" type="QString" value="bevel"/>
            <Option name="name" type="QString" value="circle"/>
            <Option name="offset" type="QString" value="0,0"/>
            <Option name="offset_map_unit_scale" type="QString" value="3x:0,0,0,0,0,0"/>
            <Option name="offset_unit" type="QString" value="MM"/>
            <Option name="outline_color" type="QString" value="35,35,35,255"/>
            <Option name="outline_style" type="QString" value="no"/>
            <Option name="outline_width" type="QString" value="0"/>
            <Option name="outline_width_map_unit_scale" type="QString" value="3x:0,0,0,0,0,0"/>
            <Option name="outline_width_unit" type="QString" value="MM"/>
            <Option name="scale_method" type="QString" value="diameter"/>
            <Option name="size" type="QString" value="1.4"/>
            <Option name="size_map_unit_scale" type="QString" value="3x:0,0,0,0,0,0"/>
            <Option name="size_unit" type="QString" value="MM"/>
            <Option name="vertical_anchor_point" type="QString" value="1"/>
          </Option>
          <prop k="angle" v="0"/>
          <prop k="cap_style" v="square"/>
          <prop k="color" v="40,40,40,200"/>
          <prop k="horizontal_anchor_point" v="1"/>
          <prop k="joinstyle" v="bevel"/>
          <prop k="name" v="circle"/>
          <prop k="offset" v="0,0"/>
          <prop k="offset_map_unit_scale" v="3x:0,0,0,0,0,0"/>
          <prop k="offset_unit" v="MM"/>
          <prop k="outline_color" v="35,35,35,255"/>
          <prop k="outline_style" v="no"/>
          <prop k="outline_width" v="0"/>
          <prop k="outline_width_map_unit_scale" v="3x:0,0,0,0,0,0"/>
          <prop k="outline_width_unit" v="MM"/>
          <prop k="scale_method" v="diameter"/>
          <prop k="size" v="1.4"/>
          <prop k="size_map_unit_scale" v="3x:0,0,0,0,0,0"/>
          <prop k="size_unit" v="MM"/>
          <prop k="vertical_anchor_point" v="1"/>
          <data_defined_properties>
            <Option type="Map">
              <Option name="name" type="QString" value=""/>
              <Option name="properties"/>
              <Option name="type" type="QString" value="collection"/>
            </Option>
          </data_defined_properties>
        </layer>
      </symbol>
    </symbols>
    <rotation/>
    <sizescale/>
  </renderer-v2>
  <customproperties>
    <Option/>
  </customproperties>
  <blendMode>0</blendMode>
  <featureBlendMode>0</featureBlendMode>
  <layerOpacity>1</layerOpacity>
  <geometryOptions removeDuplicateNodes="0" geometryPrecision="0">
    <activeChecks type="StringList">
      <Option type="QString" value=""/>
    </activeChecks>
    <checkConfiguration/>
  </geometryOptions>
  <legend showLabelLegend="0" type="default-vector"/>
  <referencedLayers/>
  <fieldConfiguration>
    <field name="fid" configurationFlags="None">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field name="Observatio" configurationFlags="None">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field name="Year" configurationFlags="None">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field name="Al" configurationFlags="None">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field name="Ba" configurationFlags="None">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field name="Ca" configurationFlags="None">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field name="Co" configurationFlags="None">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field name="Cr" configurationFlags="None">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field name="Cu" configurationFlags="None">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field name="Fe" configurationFlags="None">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field name="K" configurationFlags="None">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field name="La" configurationFlags="None">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field name="Li" configurationFlags="None">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field name="Mg" configurationFlags="None">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field name="Mn" configurationFlags="None">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field name="Ni" configurationFlags="None">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field name="P" configurationFlags="None">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field name="Sc" configurationFlags="None">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field name="Sr" configurationFlags="None">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field name="Th" configurationFlags="None">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field name="Ti" configurationFlags="None">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field name="V" configurationFlags="None">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field name="Y" configurationFlags="None">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field name="Zn" configurationFlags="None">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field name="Zr" configurationFlags="None">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field name="Co_flag" configurationFlags="None">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field name="Cr_flag" configurationFlags="None">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field name="Cu_flag" configurationFlags="None">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field name="K_flag" configurationFlags="None">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field name="Li_flag" configurationFlags="None">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field name="Ni_flag" configurationFlags="None">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field name="Sc_flag" configurationFlags="None">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field name="Th_flag" configurationFlags="None">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field name="Y_flag" configurationFlags="None">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field name="Zr_flag" configurationFlags="None">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
  </fieldConfiguration>
  <aliases>
    <alias index="0" name="" field="fid"/>
    <alias index="1" name="" field="Observatio"/>
    <alias index="2" name="" field="Year"/>
    <alias index="3" name="" field="Al"/>
    <alias index="4" name="" field="Ba"/>
    <alias index="5" name="" field="Ca"/>
    <alias index="6" name="" field="Co"/>
    <alias index="7" name="" field="Cr"/>
    <alias index="8" name="" field="Cu"/>
    <alias index="9" name="" field="Fe"/>
    <alias index="10" name="" field="K"/>
    <alias index="11" name="" field="La"/>
    <alias index="12" name="" field="Li"/>
    <alias index="13" name="" field="Mg"/>
    <alias index="14" name="" field="Mn"/>
    <alias index="15" name="" field="Ni"/>
    <alias index="16" name="" field="P"/>
    <alias index="17" name="" field="Sc"/>
    <alias index="18" name="" field="Sr"/>
    <alias index="19" name="" field="Th"/>
    <alias index="20" name="" field="Ti"/>
    <alias index="21" name="" field="V"/>
    <alias index="22" name="" field="Y"/>
    <alias index="23" name="" field="Zn"/>
    <alias index="24" name="" field="Zr"/>
    <alias index="25" name="" field="Co_flag"/>
    <alias index="26" name="" field="Cr_flag"/>
    <alias index="27" name="" field="Cu_flag"/>
    <alias index="28" name="" field="K_flag"/>
    <alias index="29" name="" field="Li_flag"/>
    <alias index="30" name="" field="Ni_flag"/>
    <alias index="31" name="" field="Sc_flag"/>
    <alias index="32" name="" field="Th_flag"/>
    <alias index="33" name="" field="Y_flag"/>
    <alias index="34" name="" field="Zr_flag"/>
  </aliases>
  <defaults>
    <default applyOnUpdate="0" expression="" field="fid"/>
    <default applyOnUpdate="0" expression="" field="Observatio"/>
    <default applyOnUpdate="0" expression="" field="Year"/>
    <default applyOnUpdate="0" expression="" field="Al"/>
    <default applyOnUpdate="0" expression="" field="Ba"/>
    <default applyOnUpdate="0" expression="" field="Ca"/>
    <default applyOnUpdate="0" expression="" field="Co"/>
    <default applyOnUpdate="0" expression="" field="Cr"/>
    <default applyOnUpdate="0" expression="" field="Cu"/>
    <default applyOnUpdate="0" expression="" field="Fe"/>
    <default applyOnUpdate="0" expression="" field="K"/>
    <default applyOnUpdate="0" expression="" field="La"/>
    <default applyOnUpdate="0" expression="" field="Li"/>
    <default applyOnUpdate="0" expression="" field="Mg"/>
    <default applyOnUpdate="0" expression="" field="Mn"/>
    <default applyOnUpdate="0" expression="" field="Ni"/>
    <default applyOnUpdate="0" expression="" field="P"/>
    <default applyOnUpdate="0" expression="" field="Sc"/>
    <default applyOnUpdate="0" expression="" field="Sr"/>
    <default applyOnUpdate="0" expression="" field="Th"/>
    <default applyOnUpdate="0" expression="" field="Ti"/>
    <default applyOnUpdate="0" expression="" field="V"/>
    <default applyOnUpdate="0" expression="" field="Y"/>
    <default applyOnUpdate="0" expression="" field="Zn"/>
    <default applyOnUpdate="0" expression="" field="Zr"/>
    <default applyOnUpdate="0" expression="" field="Co_flag"/>
    <default applyOnUpdate="0" expression="" field="Cr_flag"/>
    <default applyOnUpdate="0" expression="" field="Cu_flag"/>
    <default applyOnUpdate="0" expression="" field="K_flag"/>
    <default applyOnUpdate="0" expression="" field="Li_flag"/>
    <default applyOnUpdate="0" expression="" field="Ni_flag"/>
    <default applyOnUpdate="0" expression="" field="Sc_flag"/>
    <default applyOnUpdate="0" expression="" field="Th_flag"/>
    <default applyOnUpdate="0" expression="" field="Y_flag"/>
    <default applyOnUpdate="0" expression="" field="Zr_flag"/>
  </defaults>
  <constraints>
    <constraint exp_strength="0" constraints="3" unique_strength="1" field="fid" notnull_strength="1"/>
    <constraint exp_strength="0" constraints="0" unique_strength="0" field="Observatio" notnull_strength="0"/>
    <constraint exp_strength="0" constraints="0" unique_strength="0" field="Year" notnull_strength="0"/>
    <constraint exp_strength="0" constraints="0" unique_strength="0" field="Al" notnull_strength="0"/>
    <constraint exp_strength="0" constraints="0" unique_strength="0" field="Ba" notnull_strength="0"/>
    <constraint exp_strength="0" constraints="0" unique_strength="0" field="Ca" notnull_strength="0"/>
    <constraint exp_strength="0" constraints="0" unique_strength="0" field="Co" notnull_strength="0"/>
    <constraint exp_strength="0" constraints="0" unique_strength="0" field="Cr" notnull_strength="0"/>
    <constraint exp_strength="0" constraints="0" unique_strength="0" field="Cu" notnull_strength="0"/>
    <constraint exp_strength="0" constraints="0" unique_strength="0" field="Fe" notnull_strength="0"/>
    <constraint exp_strength="0" constraints="0" unique_strength="0" field="K" notnull_strength="0"/>
    <constraint exp_strength="0" constraints="0" unique_strength="0" field="La" notnull_strength="0"/>
    <constraint exp_strength="0" constraints="0" unique_strength="0" field="Li" notnull_strength="0"/>
    <constraint exp_strength="0" constraints="0" unique_strength="0" field="Mg" notnull_strength="0"/>
    <constraint exp_strength="0" constraints="0" unique_strength="0" field="Mn" notnull_strength="0"/>
    <constraint exp_strength="0" constraints="0" unique_strength="0" field="Ni" notnull_strength="0"/>
    <constraint exp_strength="0" constraints="0" unique_strength="0" field="P" notnull_strength="0"/>
    <constraint exp_strength="0" constraints="0" unique_strength="0" field="Sc" notnull_strength="0"/>
    <constraint exp_strength="0" constraints="0" unique_strength="0" field="Sr" notnull_strength="0"/>
    <constraint exp_strength="0" constraints="0" unique_strength="0" field="Th" notnull_strength="0"/>
    <constraint exp_strength="0" constraints="0" unique_strength="0" field="Ti" notnull_strength="0"/>
    <constraint exp_strength="0" constraints="0" unique_strength="0" field="V" notnull_strength="0"/>
    <constraint exp_strength="0" constraints="0" unique_strength="0" field="Y" notnull_strength="0"/>
    <constraint exp_strength="0" constraints="0" unique_strength="0" field="Zn" notnull_strength="0"/>
    <constraint exp_strength="0" constraints="0" unique_strength="0" field="Zr" notnull_strength="0"/>
    <constraint exp_strength="0" constraints="0" unique_strength="0" field="Co_flag" notnull_strength="0"/>
    <constraint exp_strength="0" constraints="0" unique_strength="0" field="Cr_flag" notnull_strength="0"/>
    <constraint exp_strength="0" constraints="0" unique_strength="0" field="Cu_flag" notnull_strength="0"/>
    <constraint exp_strength="0" constraints="0" unique_strength="0" field="K_flag" notnull_strength="0"/>
    <constraint exp_strength="0" constraints="0" unique_strength="0" field="Li_flag" notnull_strength="0"/>
    <constraint exp_strength="0" constraints="0" unique_strength="0" field="Ni_flag" notnull_strength="0"/>
    <constraint exp_strength="0" constraints="0" unique_strength="0" field="Sc_flag" notnull_strength="0"/>
    <constraint exp_strength="0" constraints="0" unique_strength="0" field="Th_flag" notnull_strength="0"/>
    <constraint exp_strength="0" constraints="0" unique_strength="0" field="Y_flag" notnull_strength="0"/>
    <constraint exp_strength="0" constraints="0" unique_strength="0" field="Zr_flag" notnull_strength="0"/>
  </constraints>
  <constraintExpressions>
    <constraint exp="" field="fid" desc=""/>
    <constraint exp="" field="Observatio" desc=""/>
    <constraint exp="" field="Year" desc=""/>
    <constraint exp="" field="Al" desc=""/>
    <constraint exp="" field="Ba" desc=""/>
    <constraint exp="" field="Ca" desc=""/>
    <constraint exp="" field="Co" desc=""/>
    <constraint exp="" field="Cr" desc=""/>
    <constraint exp="" field="Cu" desc=""/>
    <constraint exp="" field="Fe" desc=""/>
    <constraint exp="" field="K" desc=""/>
    <constraint exp="" field="La" desc=""/>
    <constraint exp="" field="Li" desc=""/>
    <constraint exp="" field="Mg" desc=""/>
    <constraint exp="" field="Mn" desc=""/>
    <constraint exp="" field="Ni" desc=""/>
    <constraint exp="" field="P" desc=""/>
    <constraint exp="" field="Sc" desc=""/>
    <constraint exp="" field="Sr" desc=""/>
    <constraint exp="" field="Th" desc=""/>
    <constraint exp="" field="Ti" desc=""/>
    <constraint exp="" field="V" desc=""/>
    <constraint exp="" field="Y" desc=""/>
    <constraint exp="" field="Zn" desc=""/>
    <constraint exp="" field="Zr" desc=""/>
    <constraint exp="" field="Co_flag" desc=""/>
    <constraint exp="" field="Cr_flag" desc=""/>
    <constraint exp="" field="Cu_flag" desc=""/>
    <constraint exp="" field="K_flag" desc=""/>
    <constraint exp="" field="Li_flag" desc=""/>
    <constraint exp="" field="Ni_flag" desc=""/>
    <constraint exp="" field="Sc_flag" desc=""/>
    <constraint exp="" field="Th_flag" desc=""/>
    <constraint exp="" field="Y_flag" desc=""/>
    <constraint exp="" field="Zr_flag" desc=""/>
  </constraintExpressions>
  <expressionfields/>
  <attributeactions/>
  <attributetableconfig sortOrder="0" sortExpression="" actionWidgetStyle="dropDown">
    <columns/>
  </attributetableconfig>
  <conditionalstyles>
    <rowstyles/>
    <fieldstyles/>
  </conditionalstyles>
  <storedexpressions/>
  <editform tolerant="1"></editform>
  <editforminit/>
  <editforminitcodesource>0</editforminitcodesource>
  <editforminitfilepath></editforminitfilepath>
  <editforminitcode><![CDATA[]]></editforminitcode>
  <featformsuppress>0</featformsuppress>
  <editorlayout>generatedlayout</editorlayout>
  <editable/>
  <labelOnTop/>
  <reuseLastValue/>
  <dataDefinedFieldProperties/>
  <widgets/>
  <previewExpression></previewExpression>
  <mapTip></mapTip>
  <layerGeometryType>0</layerGeometryType>
</qgis>
